# The course's server.py, verbatim (course Section 26, lab 175 step 4; only this header added).
from fastapi import FastAPI
from pydantic import BaseModel
from rag import rag_answer

app = FastAPI()

class Query(BaseModel):
    question: str

@app.post("/ask")
def ask(q: Query):
    answer = rag_answer(q.question)
    return {"question": q.question, "answer": answer}
