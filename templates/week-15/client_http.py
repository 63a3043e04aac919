# Step 4: send a real inference request to Triton over HTTP/JSON (KServe v2 protocol), as in the
# course. The lab passes --url with its port; the image is cat.jpg from make_test_image.py (the course
# gives none). The client resizes to 256x256 (not torchvision's Resize(256), which keeps the aspect
# ratio), so its top-5 may differ slightly from week 14's; it prints indices only (no label names).
import argparse, numpy as np, requests
from PIL import Image

def preprocess(img):
    img = img.convert("RGB").resize((256,256))
    o = (256-224)//2; img = img.crop((o,o,o+224,o+224))
    x = np.asarray(img).astype("float32")/255.0
    mean = np.array([0.485,0.456,0.406],dtype=np.float32)
    std  = np.array([0.229,0.224,0.225],dtype=np.float32)
    x = (x-mean)/std
    x = np.transpose(x,(2,0,1))[None, ...]  # NCHW
    return x

if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("image_path")
    ap.add_argument("--url", default="http://localhost:8000/v2/models/resnet50_onnx/infer")
    args = ap.parse_args()

    x = preprocess(Image.open(args.image_path))
    payload = {
      "inputs": [{
        "name": "input",
        "shape": list(x.shape),
        "datatype": "FP32",
        "data": x.flatten().tolist()
      }],
      "outputs": [{"name": "logits"}]
    }

    r = requests.post(args.url, json=payload, timeout=60)
    r.raise_for_status()
    out = r.json()["outputs"][0]["data"]
    logits = np.array(out, dtype=np.float32).reshape((x.shape[0],1000))

    exps = np.exp(logits - logits.max(axis=1, keepdims=True))
    probs = exps / exps.sum(axis=1, keepdims=True)
    top5 = probs[0].argsort()[-5:][::-1]
    print("Top-5 indices:", top5.tolist())
    print("Top-5 probs:", probs[0][top5].tolist())
