# Week 14, step 3: the FastAPI image classifier (app/main.py). The course's code, with fixes (ailab):
# - fixed: CLS_WEIGHTS=none starts ResNet18 from random weights (seeded, so answers repeat) for offline
#   machines and CI; the default, DEFAULT, downloads the ImageNet weights as the course does;
# - fixed: imagenet_classes.txt is found next to app/ (or at LABELS_FILE), not in whatever folder uvicorn
#   was started from, and a file that is not the 1000 ImageNet labels stops the app with a clear message;
# - fixed: bytes that are not an image (with an image content type) answer 400, not a 500 from Pillow.
import io, os, time
from pathlib import Path
from typing import List

import torch, torchvision
from torchvision import transforms
import torch.nn.functional as F
from PIL import Image, UnidentifiedImageError

from fastapi import FastAPI, UploadFile, File, HTTPException, Query
from pydantic import BaseModel

# ---- App ----
app = FastAPI(title="Image Classifier API")

DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
WEIGHTS = os.getenv("CLS_WEIGHTS", "DEFAULT")
if WEIGHTS.lower() == "none":
    torch.manual_seed(0)  # random weights, the same at every start
    MODEL = torchvision.models.resnet18(weights=None).to(DEVICE).eval()
else:
    MODEL = torchvision.models.resnet18(weights=WEIGHTS).to(DEVICE).eval()
PREPROCESS = transforms.Compose([
    transforms.Resize(256),
    transforms.CenterCrop(224),
    transforms.ToTensor(),
    transforms.Normalize(mean=[0.485, 0.456, 0.406],
                         std=[0.229, 0.224, 0.225])
])
LABELS_FILE = Path(os.getenv("LABELS_FILE", Path(__file__).resolve().parent.parent / "imagenet_classes.txt"))
LABELS = [l.strip() for l in LABELS_FILE.read_text(encoding="utf-8").splitlines() if l.strip()]
if len(LABELS) != 1000:
    raise RuntimeError(f"{LABELS_FILE} has {len(LABELS)} labels, expected ImageNet's 1000: download it again")


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
    try:
        img = Image.open(io.BytesIO(raw)).convert("RGB")
    except (UnidentifiedImageError, OSError):
        raise HTTPException(400, "The file is not a readable JPEG or PNG image")
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
