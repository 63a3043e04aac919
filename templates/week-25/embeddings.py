"""Embeddings and tokens for build_index.py and rag.py, one place for both (not in the course).

The index and the queries must be embedded by the same model, so both scripts take it from here:

  EMBEDDER=openai (the course): OpenAI's embeddings API (EMBED_MODEL, text-embedding-3-small: 1536
      dimensions) through the openai client, which reads OPENAI_API_KEY and OPENAI_BASE_URL (any
      OpenAI-compatible server: vLLM, Ollama, LiteLLM...); chunks are counted in tiktoken's cl100k_base
      tokens, the tokens the model reads.
  EMBEDDER=local: a small deterministic embedder that needs no network, no key and no model download:
      hashed words, word prefixes and word pairs (the "hashing trick") in 384 dimensions, L2-normalised,
      so that texts sharing words lie close together; chunks are counted in words.
"""
import hashlib
import os
import re

import numpy as np

EMBEDDER = os.getenv("EMBEDDER", "openai")
EMBED_MODEL = os.getenv("EMBED_MODEL", "text-embedding-3-small")
# fixed: the course sent every chunk in one request; the API takes at most 2048 inputs per call.
BATCH_SIZE = 100
LOCAL_DIM = 384

if EMBEDDER not in ("openai", "local"):
    raise SystemExit(f"EMBEDDER must be openai or local, not {EMBEDDER!r}")


def embed(texts):
    """Embed a list of texts: a float32 array of shape (len(texts), dimensions)."""
    if EMBEDDER == "local":
        return np.stack([_local_vector(t) for t in texts]).astype("float32")
    from openai import OpenAI

    client = OpenAI(api_key=os.getenv("OPENAI_API_KEY"))
    vectors = []
    for start in range(0, len(texts), BATCH_SIZE):
        res = client.embeddings.create(model=EMBED_MODEL, input=texts[start : start + BATCH_SIZE])
        vectors.extend(d.embedding for d in sorted(res.data, key=lambda d: d.index))
    return np.array(vectors, dtype="float32")


def encoding():
    """The tokenizer chunks are measured in: encode(text) -> tokens, decode(tokens) -> text."""
    if EMBEDDER == "local":
        return _Words()
    import tiktoken

    # tiktoken downloads cl100k_base on first use (set TIKTOKEN_CACHE_DIR to keep it offline later).
    return tiktoken.get_encoding("cl100k_base")


_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset(
    "a an and are as at be by for from has have in is it its of on or that the their them then these this "
    "to was what which with how why when who does do can into than so such".split()
)


def _features(text):
    words = [w for w in _WORD.findall(text.lower()) if w not in _STOP]
    for i, w in enumerate(words):
        yield "w:" + w, 1.0
        if len(w) > 5:
            yield "p:" + w[:5], 0.5  # stream, streams, streaming share a prefix
        if i + 1 < len(words):
            yield "b:" + w + " " + words[i + 1], 0.5


def _local_vector(text):
    v = np.zeros(LOCAL_DIM, dtype="float64")
    for feature, weight in _features(text):
        h = int.from_bytes(hashlib.blake2b(feature.encode(), digest_size=8).digest(), "little")
        v[h % LOCAL_DIM] += weight if (h >> 63) & 1 else -weight
    norm = np.linalg.norm(v)
    return v / norm if norm > 0 else v


class _Words:
    """Words with their trailing whitespace, so decode(encode(text)) == text."""

    def encode(self, text):
        return re.findall(r"\s*\S+\s*", text)

    def decode(self, tokens):
        return "".join(tokens)
