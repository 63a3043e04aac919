"""mlflow.pytorch for the CI stand-in (see __init__.py): log_model registers a logged model
(MLflow 3's logged-models API) and uploads the pickled model; load_model downloads and unpickles it,
which, as with MLflow, needs the model's class importable (model_def.Net)."""
import io
from types import SimpleNamespace

import torch

import mlflow


def log_model(pytorch_model, name=None, artifact_path=None, code_paths=None, **_):
    info = mlflow._run()
    created = mlflow._api("POST", "logged-models", {
        "experiment_id": info.experiment_id, "name": name or artifact_path or "model", "source_run_id": info.run_id,
    })
    model_id = created["model"]["info"]["model_id"]
    buffer = io.BytesIO()
    torch.save(pytorch_model, buffer)
    mlflow._call("PUT", f"/api/2.0/mlflow-artifacts/artifacts/models/{model_id}/data/model.pth", raw=buffer.getvalue())
    return SimpleNamespace(model_uri=f"models:/{model_id}", model_id=model_id, run_id=info.run_id)


def load_model(model_uri, **_):
    if not model_uri.startswith("models:/"):
        raise ValueError(f"the CI stand-in loads models:/<model_id> URIs only, not {model_uri}")
    model_id = model_uri[len("models:/"):]
    data = mlflow._call("GET", f"/api/2.0/mlflow-artifacts/artifacts/models/{model_id}/data/model.pth")
    return torch.load(io.BytesIO(data))
