# Week 29, step 3: search the index with text (search.py). The course's code, with fixes (ailab):
# - fixed: the query vector is normalised as the images' are (cosine similarity, see build_index.py);
# - fixed: k larger than the number of images made FAISS return -1 ids, and metadata[-1] repeated the last image:
#   k is at most index.ntotal and -1 ids are dropped;
# - add_image (the stretch goal's upload endpoint) embeds one more image, adds it and saves the index.
import faiss, os, pickle, threading
import numpy as np
from clip_model import embed_image, embed_text

INDEX_FILE = "clip_index.pkl"
with open(INDEX_FILE, "rb") as f:
    index, metadata = pickle.load(f)
_lock = threading.Lock()


def search_images(query: str, k=3):
    qvec = embed_text(query).astype("float32")
    faiss.normalize_L2(qvec)
    k = min(k, index.ntotal)
    if k < 1:
        return []
    D, I = index.search(qvec, k)
    results = [metadata[i] for i in I[0] if i >= 0]
    return results


def add_image(path: str) -> int:
    emb = embed_image(path).astype("float32")
    faiss.normalize_L2(emb)
    with _lock:
        index.add(emb)
        metadata.append(path)
        with open(INDEX_FILE + ".tmp", "wb") as f:
            pickle.dump((index, metadata), f)
        os.replace(INDEX_FILE + ".tmp", INDEX_FILE)
        return index.ntotal
