# Day 157's export ("TensorFlow Lite for Android - Basics"), the model the lab puts in the app:
# Keras' MobileNetV2 with its ImageNet weights (downloaded, ~14 MB), converted to TFLite with the default
# optimization (dynamic-range quantization: INT8 weights, float input and output, ~3.5 MB).
# ailab adds: --fp16 also writes a float16 model for the GPU delegate (course step 8; a dynamic-range
# model gains little on the GPU), and the file names are printed.
# Needs TensorFlow (pip install tensorflow==2.15.*); not in Debian.
# Usage: python export_tflite.py --out DIR [--fp16]
import argparse
import os

import tensorflow as tf

p = argparse.ArgumentParser()
p.add_argument("--out", default=".")
p.add_argument("--fp16", action="store_true")
args = p.parse_args()
os.makedirs(args.out, exist_ok=True)

# Load model (Keras example): input [1, 224, 224, 3] in [-1, 1], output 1000 softmax probabilities.
model = tf.keras.applications.MobileNetV2(weights="imagenet")

converter = tf.lite.TFLiteConverter.from_keras_model(model)
converter.optimizations = [tf.lite.Optimize.DEFAULT]  # quantization (the course's "optional")
path = os.path.join(args.out, "mobilenet_v2.tflite")
with open(path, "wb") as f:
    f.write(converter.convert())
print("Exported to", path)

if args.fp16:
    # fixed (step 8): the GPU delegate runs float models; float16 weights halve the size and keep its speed.
    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.target_spec.supported_types = [tf.float16]
    path = os.path.join(args.out, "mobilenet_v2_fp16.tflite")
    with open(path, "wb") as f:
        f.write(converter.convert())
    print("Exported to", path)
