# The course's server.py (week 27, step 3), verbatim: the test runs it (with the stand-in ultralytics
# beside this file) to show that the lab's checks catch its 500 on an upload that is not an image.
from fastapi import FastAPI, UploadFile, File
from ultralytics import YOLO
import cv2
import numpy as np
 
app = FastAPI()
model = YOLO("yolov8n.pt")
 
@app.post("/detect/")
async def detect(file: UploadFile = File(...)):
    contents = await file.read()
    nparr = np.frombuffer(contents, np.uint8)
    img = cv2.imdecode(nparr, cv2.IMREAD_COLOR)
    results = model(img)
    detections = []
    for r in results:
        for box in r.boxes:
            detections.append({
                "class": model.names[int(box.cls)],
                "confidence": float(box.conf),
                "bbox": box.xyxy[0].tolist()
            })
    return {"detections": detections}
