"""Step 4: the RAG pipeline behind FastAPI: POST /ask, and GET /health (course step 6)."""
import threading
from collections import OrderedDict

import openai
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, Field

import rag

app = FastAPI(title="RAG API")


class Query(BaseModel):
    question: str = Field(..., min_length=1, max_length=2000)
    k: int = Field(3, ge=1, le=10)


# Course step 6, "a prompt/response cache to cut cost": the same question is answered once.
_cache = OrderedDict()
_cache_lock = threading.Lock()
CACHE_SIZE = 256


@app.get("/health")
def health():
    return {
        "status": "ok",
        "chunks": rag.index.ntotal,
        "dim": rag.index.d,
        "embedder": rag.EMBEDDER,
        "llm_model": rag.LLM_MODEL,
    }


@app.post("/ask")
def ask(q: Query):
    question = q.question.strip()
    if not question:
        raise HTTPException(status_code=422, detail="question is empty")
    key = (question, q.k)
    with _cache_lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
    if hit is None:
        try:
            answer, sources = rag.rag_answer_with_sources(question, k=q.k)
        except openai.OpenAIError as e:
            # Not a bare 500: the caller learns that the LLM API refused or could not be reached.
            raise HTTPException(status_code=502, detail=f"LLM API error: {e}") from e
        with _cache_lock:
            _cache[key] = (answer, sources)
            while len(_cache) > CACHE_SIZE:
                _cache.popitem(last=False)
    else:
        answer, sources = hit
    return {"question": q.question, "answer": answer, "sources": sources, "cached": hit is not None}
