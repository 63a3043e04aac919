# Week 29, step 4: the search service (server.py). The course's code, with additions (ailab):
# - GET /health: the model, the device and how many images the index holds (probes, the lab's checks);
# - the stretch goal "an image upload endpoint to dynamically insert new images": POST /images/ takes a JPG or
#   PNG as the form field "file", saves it in images/ and adds it to the index (415 for another type, 400 for
#   bytes that are not an image).
import io, os, re

from fastapi import FastAPI, File, HTTPException, UploadFile
from PIL import Image, UnidentifiedImageError
from pydantic import BaseModel

import search as store
from clip_model import MODEL_NAME, device
from search import search_images

app = FastAPI(title="CLIP image search")
IMAGE_FOLDER = "images"
TYPES = {"image/jpeg": ".jpg", "image/png": ".png"}


class Query(BaseModel):
    text: str


@app.post("/search/")
def search(query: Query):
    results = search_images(query.text, k=5)
    return {"query": query.text, "results": results}


@app.get("/health")
def health():
    return {"status": "ok", "model": MODEL_NAME, "device": device, "images": store.index.ntotal}


@app.post("/images/")
def upload(file: UploadFile = File(...)):
    if file.content_type not in TYPES:
        raise HTTPException(status_code=415, detail=f"Unsupported file type: {file.content_type}; send a JPG or PNG")
    data = file.file.read()
    try:
        Image.open(io.BytesIO(data)).verify()
    except (UnidentifiedImageError, OSError):
        raise HTTPException(status_code=400, detail="The file is not a readable image")
    stem = re.sub(r"[^A-Za-z0-9_-]", "_", os.path.splitext(os.path.basename(file.filename or "upload"))[0])[:60]
    path, n = os.path.join(IMAGE_FOLDER, f"{stem}{TYPES[file.content_type]}"), 1
    while os.path.exists(path):
        n += 1
        path = os.path.join(IMAGE_FOLDER, f"{stem}-{n}{TYPES[file.content_type]}")
    with open(path, "wb") as f:
        f.write(data)
    return {"added": path, "images": store.add_image(path)}
