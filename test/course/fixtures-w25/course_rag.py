# The course's rag.py, verbatim (course Section 26, lab 175 step 3; only this header added).
import os, pickle, faiss, numpy as np
from openai import OpenAI

client = OpenAI(api_key=os.getenv("OPENAI_API_KEY"))
EMBED_MODEL = "text-embedding-3-small"
LLM_MODEL = "gpt-4o-mini"  # adjust if needed

with open("faiss_index.pkl", "rb") as f:
    index, docs, metadatas = pickle.load(f)

def embed(query):
    res = client.embeddings.create(model=EMBED_MODEL, input=[query])
    return np.array(res.data[0].embedding).astype("float32").reshape(1, -1)

def retrieve(query, k=3):
    qvec = embed(query)
    D, I = index.search(qvec, k)
    results = [docs[i] for i in I[0]]
    return results

def rag_answer(query):
    contexts = retrieve(query, k=3)
    prompt = f"Answer based on context:\n{contexts}\n\nQuestion: {query}\nAnswer:"
    res = client.chat.completions.create(
        model=LLM_MODEL,
        messages=[{"role": "user", "content": prompt}]
    )
    return res.choices[0].message.content
