"""A stand-in for the mlflow client, for ailab's CI only (MLflow is not in Debian and PyPI cannot be
reached there). It implements the few calls the week-9 lab's scripts make and sends them to the
tracking server with MLflow's REST API (runs/create, log-parameter, log-metric, update, artifact
upload, logged-models), so the lab's checks read back what the training script logged. The server in
CI is test/course/fixtures-w06-10/fake-mlflow-server.mjs. It is not MLflow and is never shipped.
"""
import json
import os
import time
import urllib.request
from types import SimpleNamespace

__version__ = "0.0.0+ailab.stub"

_tracking_uri = os.environ.get("MLFLOW_TRACKING_URI", "http://127.0.0.1:5000")
_active = None


def set_tracking_uri(uri):
    global _tracking_uri
    _tracking_uri = uri


def get_tracking_uri():
    return _tracking_uri


def _call(method, path, body=None, raw=None):
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    kind = "application/octet-stream" if raw is not None else "application/json"
    request = urllib.request.Request(
        _tracking_uri.rstrip("/") + path, data=data, method=method, headers={"Content-Type": kind}
    )
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
    created = _api("POST", "runs/create", {
        "experiment_id": experiment_id or "0",
        "start_time": int(time.time() * 1000),
        "run_name": run_name or "",
    })
    info = created["run"]["info"]
    _active = ActiveRun(SimpleNamespace(run_id=info["run_id"], experiment_id=info["experiment_id"]))
    return _active


def active_run():
    return _active


def _run():
    # Like MLflow, a logging call outside a run starts one.
    if _active is None:
        start_run()
    return _active.info


def end_run(status="FINISHED"):
    global _active
    if _active is not None:
        _api("POST", "runs/update", {
            "run_id": _active.info.run_id, "status": status, "end_time": int(time.time() * 1000)
        })
        _active = None


def log_param(key, value):
    _api("POST", "runs/log-parameter", {"run_id": _run().run_id, "key": key, "value": str(value)})


def log_metric(key, value, step=None):
    _api("POST", "runs/log-metric", {
        "run_id": _run().run_id, "key": key, "value": float(value),
        "timestamp": int(time.time() * 1000), "step": int(step or 0),
    })


def log_artifact(local_path, artifact_path=None):
    info = _run()
    name = os.path.basename(local_path)
    path = f"{artifact_path.strip('/')}/{name}" if artifact_path else name
    with open(local_path, "rb") as f:
        _call("PUT", f"/api/2.0/mlflow-artifacts/artifacts/{info.experiment_id}/{info.run_id}/artifacts/{path}",
              raw=f.read())
