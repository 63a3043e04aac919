# Step 5: the calibration data for INT8 (not in the course, which says "prepare 50-100 sample images"
# but gives no command; trtexec's --calib only READS a cache, it cannot calibrate from images).
# Polygraphy imports this file (--data-loader-script calib_loader.py) and calls load_data(): each item
# is one batch, a dict from the ONNX input name to a float32 array, preprocessed exactly as at inference
# (resize 256, centre crop 224, ImageNet mean/std, NCHW). Put 50-100 representative JPEG/PNG images in
# calib_images/ (CALIB_DIR overrides the folder; CALIB_LIMIT the number of images, default 100).
# Run it directly to check the data: python calib_loader.py
import glob
import json
import os

import numpy as np
from PIL import Image

MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)
INPUT_NAME = "input"


def images():
    folder = os.environ.get("CALIB_DIR", "calib_images")
    limit = int(os.environ.get("CALIB_LIMIT", "100"))
    paths = sorted(p for ext in ("jpg", "jpeg", "png", "JPEG") for p in glob.glob(os.path.join(folder, f"*.{ext}")))
    if not paths:
        raise SystemExit(f"no calibration images in {folder}/ (50-100 JPEG or PNG files)")
    return paths[:limit]


def preprocess(path):
    img = Image.open(path).convert("RGB")
    w, h = img.size
    scale = 256 / min(w, h)
    img = img.resize((max(224, round(w * scale)), max(224, round(h * scale))), Image.BILINEAR)
    w, h = img.size
    left, top = (w - 224) // 2, (h - 224) // 2
    img = img.crop((left, top, left + 224, top + 224))
    x = (np.asarray(img, dtype=np.float32) / 255.0 - MEAN) / STD
    return x.transpose(2, 0, 1)[np.newaxis].astype(np.float32)  # 1x3x224x224, the engine's batch


def load_data():
    for path in images():
        yield {INPUT_NAME: preprocess(path)}


if __name__ == "__main__":
    batches = list(load_data())
    x = np.concatenate([b[INPUT_NAME] for b in batches])
    print(json.dumps({
        "batches": len(batches),
        "shape": list(batches[0][INPUT_NAME].shape),
        "dtype": str(batches[0][INPUT_NAME].dtype),
        "mean": round(float(x.mean()), 3),
        "std": round(float(x.std()), 3),
    }))
