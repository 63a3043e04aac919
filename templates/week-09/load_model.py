# Week 9 lab, step 9: load the model back from MLflow and check it predicts as the trained one did.
# Fixed: the course's model_uri = "runs:/{run_id}/model" is a plain string with a placeholder (and
# runs:/ URIs are deprecated in MLflow 3); the URI that log_model returned is in last_run.json.
import json
import os

import mlflow
import mlflow.pytorch
import torch

mlflow.set_tracking_uri(os.environ.get("MLFLOW_TRACKING_URI", "http://127.0.0.1:5000"))

with open("last_run.json") as f:
    last = json.load(f)

loaded_model = mlflow.pytorch.load_model(last["model_uri"])
loaded_model.eval()
with torch.no_grad():
    output = loaded_model(torch.zeros(1, 1, 28, 28))
prediction = output.argmax(1).item()
print(f"Loaded {last['model_uri']}: output shape {tuple(output.shape)}")
print(f"Prediction on a blank image: {prediction}; the trained model said {last['prediction_on_zeros']}: "
      f"{'reproducible' if prediction == last['prediction_on_zeros'] else 'DIFFERENT'}")
