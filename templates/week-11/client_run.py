"""Course step 9: a quick client run against the MLflow server on Kubernetes.

fixed: the tracking URI comes from MLFLOW_TRACKING_URI when it is set (the port-forward or the Ingress
URL), else the course's http://localhost:5000. With the server's proxied artifacts the client needs
neither boto3 nor MinIO's keys: hello.txt goes through MLflow into the bucket.
"""
import os

import mlflow

os.environ.setdefault("MLFLOW_TRACKING_USERNAME", "admin")
os.environ.setdefault("MLFLOW_TRACKING_PASSWORD", "changeme")
mlflow.set_tracking_uri(os.environ.get("MLFLOW_TRACKING_URI", "http://localhost:5000"))  # or Ingress URL

with mlflow.start_run() as run:
    mlflow.log_param("lr", 0.001)
    mlflow.log_metric("loss", 0.42, step=1)
    with open("hello.txt", "w") as f:
        f.write("artifact test")
    mlflow.log_artifact("hello.txt")
    run_id = run.info.run_id

# Kept for the checks: which run this was.
with open("last_run.txt", "w") as f:
    f.write(run_id + "\n")
print("logged run", run_id)
