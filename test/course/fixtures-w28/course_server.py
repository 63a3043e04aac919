# The course's server.py (week 28, step 2), verbatim: a test fixture, not a lab template.
from fastapi import FastAPI
from pydantic import BaseModel
from model import predict

app = FastAPI()

class Query(BaseModel):
    text: str

@app.post("/classify/")
def classify(query: Query):
    result = predict(query.text)
    return {"input": query.text, "prediction": result}
