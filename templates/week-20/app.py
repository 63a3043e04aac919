"""Week 20 - the inference service deployed on both clouds (the course: "Lab 126's FastAPI inference app").

fixed: week 18's app requires a bearer token AND an API key on /predict (and does not start without
week 18's own fixes), so the course's step-6 curl gets 401. This is a self-contained app with the same
contract the course tests: GET /healthz, GET /readyz, POST /predict {"features": [4 numbers]}; /predict
asks for X-API-Key only when API_KEY is set. Each answer says which cloud served it (CLOUD, REGION), so a
failover is visible from outside.

The model is a nearest-centroid classifier on the iris measurements (sepal/petal length/width, cm):
class_A = setosa, class_B = versicolor, class_C = virginica (the centroids are the iris data set's means).
"""

import math
import os

from fastapi import FastAPI, Header, HTTPException
from pydantic import BaseModel

CLOUD = os.environ.get("CLOUD", "local")
REGION = os.environ.get("REGION", "local")
API_KEY = os.environ.get("API_KEY", "")
CENTROIDS = {
    "class_A": (5.006, 3.428, 1.462, 0.246),
    "class_B": (5.936, 2.770, 4.260, 1.326),
    "class_C": (6.588, 2.974, 5.552, 2.026),
}

app = FastAPI(title="fastapi-inference")


class Features(BaseModel):
    features: list[float]


@app.get("/healthz")
def healthz():
    return {"status": "ok", "cloud": CLOUD, "region": REGION}


@app.get("/readyz")
def readyz():
    return {"ready": True, "cloud": CLOUD}


@app.post("/predict")
def predict(body: Features, x_api_key: str = Header(default="")):
    if API_KEY and x_api_key != API_KEY:
        raise HTTPException(status_code=401, detail="missing or wrong X-API-Key")
    if len(body.features) != 4:
        raise HTTPException(status_code=422, detail="features must be 4 numbers")
    label = min(CENTROIDS, key=lambda k: math.dist(CENTROIDS[k], body.features))
    return {"prediction": label, "cloud": CLOUD, "region": REGION}
