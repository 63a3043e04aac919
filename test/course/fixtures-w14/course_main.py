# The course's app/main.py, verbatim (course text lines 5341-5400; non-breaking spaces of blank lines removed).
# The week-14 test runs it to show what the lab's fixes change.
import io, os, time
from typing import List

import torch, torchvision
from torchvision import transforms
import torch.nn.functional as F
from PIL import Image

from fastapi import FastAPI, UploadFile, File, HTTPException, Query
from pydantic import BaseModel

# ---- App ----
app = FastAPI(title="Image Classifier API")

DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
MODEL = torchvision.models.resnet18(weights="DEFAULT").to(DEVICE).eval()
PREPROCESS = transforms.Compose([
    transforms.Resize(256),
    transforms.CenterCrop(224),
    transforms.ToTensor(),
    transforms.Normalize(mean=[0.485, 0.456, 0.406],
                         std=[0.229, 0.224, 0.225])
])
LABELS = [l.strip() for l in open("imagenet_classes.txt").readlines()]

class Prediction(BaseModel):
    index: int
    label: str
    probability: float

class PredictResponse(BaseModel):
    model: str
    device: str
    top_k: int
    time_ms: float
    predictions: List[Prediction]

@app.get("/healthz")
def healthz():
    return {"status": "ok", "device": DEVICE}

@app.post("/predict", response_model=PredictResponse)
async def predict(image: UploadFile = File(...), top_k: int = Query(5, ge=1, le=20)):
    if image.content_type not in {"image/jpeg", "image/png"}:
        raise HTTPException(415, f"Unsupported file type: {image.content_type}")

    raw = await image.read()
    img = Image.open(io.BytesIO(raw)).convert("RGB")
    tensor = PREPROCESS(img).unsqueeze(0).to(DEVICE)

    t0 = time.perf_counter()
    with torch.inference_mode():
        probs = F.softmax(MODEL(tensor), dim=1)
        top_p, top_i = probs.topk(top_k, dim=1)
    elapsed = (time.perf_counter() - t0) * 1000

    preds = [Prediction(index=int(i), label=LABELS[i], probability=float(p))
             for p, i in zip(top_p[0], top_i[0])]
    return PredictResponse(model="resnet18", device=DEVICE,
                           top_k=top_k, time_ms=elapsed, predictions=preds)
