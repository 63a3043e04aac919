"""Step 3: retrieve the chunks nearest to a question and ask the LLM to answer from them."""
import os
import pickle

from openai import OpenAI

from embeddings import EMBEDDER, embed

# The client reads OPENAI_BASE_URL too: OpenAI by default, or any OpenAI-compatible server.
client = OpenAI(api_key=os.getenv("OPENAI_API_KEY"))
LLM_MODEL = os.getenv("LLM_MODEL", "gpt-4o-mini")  # adjust if needed

with open("faiss_index.pkl", "rb") as f:
    index, docs, metadatas = pickle.load(f)


def search(query, k=3):
    """The k nearest chunks as (chunk, metadata, distance), nearest first."""
    qvec = embed([query])
    if qvec.shape[1] != index.d:
        raise ValueError(
            f"the query embedding has {qvec.shape[1]} dimensions but faiss_index.pkl has {index.d}: "
            f"build the index again with the same embedder (EMBEDDER={EMBEDDER})"
        )
    # fixed: with k above the number of chunks FAISS pads the answer with id -1, and the course's
    # docs[i] then returned the last chunk again and again.
    k = min(k, index.ntotal)
    D, I = index.search(qvec, k)
    return [(docs[i], metadatas[i], float(d)) for d, i in zip(D[0], I[0]) if i >= 0]


def retrieve(query, k=3):
    return [chunk for chunk, _, _ in search(query, k)]


def build_prompt(query, contexts):
    # fixed: the course put the Python list itself ("['...', '...']") into the prompt.
    context = "\n\n---\n\n".join(c.strip() for c in contexts)
    return (
        "Answer the question using only the context below. If the context does not contain the answer, "
        f"say so.\n\nContext:\n{context}\n\nQuestion: {query}\nAnswer:"
    )


def rag_answer_with_sources(query, k=3):
    hits = search(query, k)
    prompt = build_prompt(query, [chunk for chunk, _, _ in hits])
    res = client.chat.completions.create(
        model=LLM_MODEL,
        messages=[{"role": "user", "content": prompt}],
        temperature=0,
    )
    sources = [{"source": m["source"], "chunk": m["chunk"], "distance": round(d, 4)} for _, m, d in hits]
    return res.choices[0].message.content, sources


def rag_answer(query):
    return rag_answer_with_sources(query, k=3)[0]
