# The course's build_index.py, verbatim (course Section 26, lab 175 step 2; only this header added).
import os, faiss, pickle, glob
from openai import OpenAI
import tiktoken

client = OpenAI(api_key=os.getenv("OPENAI_API_KEY"))
EMBED_MODEL = "text-embedding-3-small"

def embed(texts):
    res = client.embeddings.create(model=EMBED_MODEL, input=texts)
    return [d.embedding for d in res.data]

def chunk_text(text, size=500, overlap=50):
    enc = tiktoken.get_encoding("cl100k_base")
    tokens = enc.encode(text)
    chunks = []
    for i in range(0, len(tokens), size - overlap):
        sub = enc.decode(tokens[i:i+size])
        chunks.append(sub)
    return chunks

docs, metadatas = [], []
for file in glob.glob("docs/*.txt"):
    with open(file) as f:
        text = f.read()
    chunks = chunk_text(text)
    docs.extend(chunks)
    metadatas.extend([{"source": file}] * len(chunks))

embeds = embed(docs)

dim = len(embeds[0])
index = faiss.IndexFlatL2(dim)
index.add(np.array(embeds).astype("float32"))

with open("faiss_index.pkl", "wb") as f:
    pickle.dump((index, docs, metadatas), f)
print("Index built with", len(docs), "chunks")
