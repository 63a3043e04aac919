"""Step 2: chunk the documents in docs/, embed the chunks and save a FAISS index (faiss_index.pkl)."""
import glob
import os
import pickle

import faiss
import numpy as np  # fixed: the course called np.array without importing numpy (NameError)

from embeddings import EMBEDDER, EMBED_MODEL, embed, encoding

CHUNK_SIZE = int(os.getenv("CHUNK_SIZE", "500"))
CHUNK_OVERLAP = int(os.getenv("CHUNK_OVERLAP", "50"))


def chunk_text(text, size=CHUNK_SIZE, overlap=CHUNK_OVERLAP):
    if not 0 <= overlap < size:
        raise SystemExit(f"CHUNK_OVERLAP ({overlap}) must be at least 0 and below CHUNK_SIZE ({size})")
    enc = encoding()
    tokens = enc.encode(text)
    chunks = []
    for i in range(0, len(tokens), size - overlap):
        chunks.append(enc.decode(tokens[i : i + size]))
        if i + size >= len(tokens):
            break  # the last window reached the end: no chunk made only of overlap
    return chunks


docs, metadatas = [], []
# fixed: sorted, so the index is the same on every machine (glob's order is the file system's),
# and read as UTF-8 whatever the locale.
for file in sorted(glob.glob("docs/*.txt")):
    with open(file, encoding="utf-8") as f:
        text = f.read()
    chunks = chunk_text(text)
    docs.extend(chunks)
    metadatas.extend({"source": file, "chunk": n} for n in range(len(chunks)))

if not docs:
    raise SystemExit("no text in docs/*.txt: add a few documents first (step 1)")

embeds = embed(docs)

dim = embeds.shape[1]
index = faiss.IndexFlatL2(dim)
index.add(np.ascontiguousarray(embeds, dtype="float32"))

with open("faiss_index.pkl", "wb") as f:
    pickle.dump((index, docs, metadatas), f)
print(f"Embedded with {EMBEDDER} ({EMBED_MODEL if EMBEDDER == 'openai' else 'hashing, 384 dimensions'}): dim={dim}")
print("Index built with", len(docs), "chunks")
