# Week 28, steps 2 and 5: the FastAPI app (server.py). The course's code, with fixes (ailab):
# - fixed: "Add a /batch endpoint" had no code: POST /batch/ takes {"texts": [...]} (1 to 64 of them) and answers
#   {"predictions": [{"negative": p, "positive": p}, ...]} in the same order;
# - the stretch goal's GET /health (the model and its labels) gives probes something cheap to call.
# The paths keep the course's trailing slash: POST /classify (no slash) answers a 307 redirect.
from typing import List

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel

from model import MODEL_NAME, labels, predict, predict_batch

MAX_BATCH = 64

app = FastAPI(title="BERT sentiment API")


class Query(BaseModel):
    text: str


class Batch(BaseModel):
    texts: List[str]


@app.post("/classify/")
def classify(query: Query):
    result = predict(query.text)
    return {"input": query.text, "prediction": result}


@app.post("/batch/")
def batch(b: Batch):
    if not 1 <= len(b.texts) <= MAX_BATCH:
        raise HTTPException(status_code=422, detail=f"texts must hold 1 to {MAX_BATCH} strings, not {len(b.texts)}")
    return {"predictions": predict_batch(b.texts)}


@app.get("/health")
def health():
    return {"status": "ok", "model": MODEL_NAME, "labels": labels}
