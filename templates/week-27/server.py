# Course step 3: the FastAPI inference server. Run it with `uvicorn server:app --port 8000` (fixed: without
# --reload, a development flag that runs a second, watching process). The model comes from DETECT_MODEL
# (yolov8n.pt by default: Ultralytics; a .onnx file: OpenCV DNN).
import os
import time

import cv2
import numpy as np
from fastapi import FastAPI, File, HTTPException, UploadFile

from detector import load

MODEL = os.environ.get("DETECT_MODEL", "yolov8n.pt")
app = FastAPI(title="Real-time object detection")
model = load(MODEL)


@app.get("/healthz")
def healthz():
    return {"status": "ok", "model": MODEL, "engine": model.engine}


@app.post("/detect/")
async def detect(file: UploadFile = File(...)):
    contents = await file.read()
    nparr = np.frombuffer(contents, np.uint8)
    img = cv2.imdecode(nparr, cv2.IMREAD_COLOR)
    # fixed: imdecode returns None for bytes that are not an image, and the course's server answered 500.
    if img is None:
        raise HTTPException(status_code=400, detail="invalid image: send a JPEG or PNG as the form field 'file'")
    start = time.perf_counter()
    detections = model.detect(img)
    ms = (time.perf_counter() - start) * 1000
    h, w = img.shape[:2]
    return {"detections": detections, "image": {"width": w, "height": h}, "model": MODEL, "time_ms": round(ms, 1)}
