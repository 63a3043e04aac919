# Step 8 (optional): serve YOLOv5 detections over HTTP. Save as yolov5/app.py and run it from yolov5/:
#   uvicorn app:app --host 0.0.0.0 --port 8000
# fixed: the course's `torch.hub.load('ultralytics/yolov5', ...)` downloads the repository from GitHub again
# at every start; the clone you made in step 2 is loaded with source='local' (no network needed).
# fixed: `model(img)` was given the upload's raw bytes, which YOLOv5's AutoShape does not accept (it takes
# a path, URL, PIL image or numpy array): the bytes are decoded with Pillow; a file that is not an image
# answers 400 instead of a 500.
# fixed: UploadFile needs python-multipart (pip install fastapi uvicorn python-multipart).
import io
import os

import torch
from fastapi import FastAPI, HTTPException, UploadFile
from PIL import Image, UnidentifiedImageError

WEIGHTS = os.environ.get("YOLO_WEIGHTS", "yolov5s.engine")
REPO = os.environ.get("YOLO_REPO", os.path.dirname(os.path.abspath(__file__)))

app = FastAPI()
model = torch.hub.load(REPO, "custom", path=WEIGHTS, source="local")
model.conf = float(os.environ.get("YOLO_CONF", "0.4"))  # the course's --conf 0.4


@app.get("/healthz")
def healthz():
    return {"status": "ok", "weights": WEIGHTS}


@app.post("/predict")
async def predict(file: UploadFile):
    img = await file.read()
    try:
        image = Image.open(io.BytesIO(img)).convert("RGB")
    except UnidentifiedImageError:
        raise HTTPException(status_code=400, detail="The upload is not an image")
    results = model(image)
    return results.pandas().xyxy[0].to_dict(orient="records")
