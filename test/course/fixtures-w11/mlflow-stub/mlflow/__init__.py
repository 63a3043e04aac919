"""A stand-in for the mlflow client, for ailab's CI only (MLflow is not in Debian and PyPI cannot be
reached there). It implements the calls week 11's client_run.py makes and sends them with MLflow's
REST API, as MLflow 2.14 does: basic auth from MLFLOW_TRACKING_USERNAME/PASSWORD, runs/create,
log-parameter, log-metric, update; and log_artifact by the run's artifact URI, as MLflow picks an
artifact repository: `mlflow-artifacts:` (the server proxies artifacts) is a PUT to the server;
`s3://` (the course's --default-artifact-root) is an upload by the client itself with boto3 to
MLFLOW_S3_ENDPOINT_URL (else AWS), which fails where the client has no boto3 or no keys, as MLflow's
does. It is not MLflow and is never shipped.
"""
import base64
import json
import os
import time
import urllib.request
from types import SimpleNamespace

__version__ = "0.0.0+ailab.stub"

_tracking_uri = os.environ.get("MLFLOW_TRACKING_URI", "http://localhost:5000")
_active = None


def set_tracking_uri(uri):
    global _tracking_uri
    _tracking_uri = uri


def _call(method, path, body=None, raw=None):
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    headers = {"Content-Type": "application/octet-stream" if raw is not None else "application/json"}
    user, password = os.environ.get("MLFLOW_TRACKING_USERNAME"), os.environ.get("MLFLOW_TRACKING_PASSWORD")
    if user and password:
        headers["Authorization"] = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
    request = urllib.request.Request(_tracking_uri.rstrip("/") + path, data=data, method=method, headers=headers)
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.read()


def _api(method, path, body=None):
    return json.loads(_call(method, "/api/2.0/mlflow/" + path, body) or b"{}")


class ActiveRun:
    def __init__(self, info):
        self.info = info

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        end_run("FAILED" if exc_type else "FINISHED")
        return False


def start_run(experiment_id=None, run_name=None, **_):
    global _active
    info = _api("POST", "runs/create", {
        "experiment_id": experiment_id or "0", "start_time": int(time.time() * 1000), "run_name": run_name or "",
    })["run"]["info"]
    _active = ActiveRun(SimpleNamespace(run_id=info["run_id"], experiment_id=info["experiment_id"],
                                        artifact_uri=info["artifact_uri"]))
    return _active


def end_run(status="FINISHED"):
    global _active
    if _active is not None:
        _api("POST", "runs/update", {"run_id": _active.info.run_id, "status": status,
                                     "end_time": int(time.time() * 1000)})
        _active = None


def log_param(key, value):
    _api("POST", "runs/log-parameter", {"run_id": _active.info.run_id, "key": key, "value": str(value)})


def log_metric(key, value, step=None):
    _api("POST", "runs/log-metric", {"run_id": _active.info.run_id, "key": key, "value": float(value),
                                     "timestamp": int(time.time() * 1000), "step": int(step or 0)})


def log_artifact(local_path, artifact_path=None):
    uri = _active.info.artifact_uri
    name = os.path.basename(local_path)
    if uri.startswith("mlflow-artifacts:"):
        # mlflow-artifacts:/<experiment>/<run>/artifacts → PUT /api/2.0/mlflow-artifacts/artifacts/<...>
        base = uri.split(":", 1)[1].lstrip("/")
        with open(local_path, "rb") as f:
            _call("PUT", f"/api/2.0/mlflow-artifacts/artifacts/{base}/{name}", raw=f.read())
    elif uri.startswith("s3://"):
        import boto3  # as MLflow's S3ArtifactRepository: the client needs boto3 and keys of its own

        bucket, _, key = uri[len("s3://"):].partition("/")
        client = boto3.client("s3", endpoint_url=os.environ.get("MLFLOW_S3_ENDPOINT_URL"))
        client.upload_file(local_path, bucket, f"{key}/{name}")
    else:
        raise ValueError(f"stand-in mlflow: unsupported artifact URI {uri}")
