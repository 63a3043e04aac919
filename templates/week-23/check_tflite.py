# Runs the model on this computer exactly as the app does (course steps 5-6, with the fixes): resize to the
# model's input size, scale the pixels to [-1, 1] (Keras' MobileNetV2 preprocess_input; the course said
# [0, 1]), size the output from the model (the course hard-coded 1001 classes), take the top class and
# look it up in labels.txt. Uses the TFLite interpreter of tflite_runtime (pip install tflite-runtime,
# the course's Day 151) or of TensorFlow (tf.lite.Interpreter). A desktop check before the phone.
# Usage: python check_tflite.py IMAGE --model mobilenet_v2.tflite --labels labels.txt [--top 5]
import argparse
import sys
import time

import numpy as np
from PIL import Image

try:
    from tflite_runtime.interpreter import Interpreter
except ImportError:
    try:
        from tensorflow.lite import Interpreter
    except ImportError:
        sys.exit("check_tflite: no TFLite interpreter: pip install tflite-runtime (or tensorflow)")

p = argparse.ArgumentParser()
p.add_argument("image")
p.add_argument("--model", required=True)
p.add_argument("--labels", required=True)
p.add_argument("--top", type=int, default=5)
args = p.parse_args()

interpreter = Interpreter(model_path=args.model)
interpreter.allocate_tensors()
inp = interpreter.get_input_details()[0]
out = interpreter.get_output_details()[0]
_, height, width, _ = (int(d) for d in inp["shape"])

img = Image.open(args.image).convert("RGB").resize((width, height), Image.BILINEAR)
pixels = np.asarray(img, dtype=np.float32)
if inp["dtype"] == np.float32:
    x = pixels / 127.5 - 1.0  # fixed: [-1, 1], as MobileNetV2 was trained (the course said [0, 1])
else:
    x = pixels.astype(inp["dtype"])  # a fully quantized (uint8/int8) model takes raw pixels
interpreter.set_tensor(inp["index"], x[np.newaxis, ...])

start = time.perf_counter()
interpreter.invoke()
ms = (time.perf_counter() - start) * 1000
probs = interpreter.get_tensor(out["index"])[0].astype(np.float64)

# fixed: the number of classes comes from the model, and labels.txt must have exactly that many lines.
labels = [line.strip() for line in open(args.labels, encoding="utf-8") if line.strip()]
if len(labels) != probs.shape[-1]:
    sys.exit("check_tflite: labels.txt has %d labels but the model outputs %d classes: "
             "use a labels file of the model's own classes" % (len(labels), probs.shape[-1]))

top = np.argsort(-probs)[: args.top]
print("Model: input %s %s, output %d classes" % (list(inp["shape"]), np.dtype(inp["dtype"]).name, probs.shape[-1]))
print("Prediction: %s (%.3f)" % (labels[top[0]], probs[top[0]]))
for i in top:
    print("  %4d  %-30s %.4f" % (i, labels[i], probs[i]))
print("Inference: %.1f ms" % ms)
