"""Inference API behind the load balancer (course week 13, "Lab - Configure Load Balancer for AI API").

The course names this app (FastAPI with /healthz, /readyz, /v1/echo and a /metrics placeholder) but
never gives it. Every answer says which replica served it (`pod`) and which release (`version`,
`track`), so that load balancing and the canary split can be seen from outside.
The same file runs in the cluster (mounted from the ConfigMap inference-app) and on this machine
(uvicorn main:app --port 8101), and week 19 builds it into its image.

Environment: APP_VERSION (v1), APP_TRACK (stable|canary), POD_NAME (the pod, else the hostname),
READY_DELAY_S (seconds /readyz answers 503 after start, default 0).
"""

import os
import socket
import threading
import time

from fastapi import FastAPI, Request, Response
from pydantic import BaseModel

VERSION = os.getenv("APP_VERSION", "v1")
TRACK = os.getenv("APP_TRACK", "stable")
POD = os.getenv("POD_NAME") or socket.gethostname()
STARTED = time.time()
READY_DELAY_S = float(os.getenv("READY_DELAY_S", "0"))

app = FastAPI(title="inference-api", version=VERSION)

_lock = threading.Lock()
_requests: dict = {}


class EchoIn(BaseModel):
    text: str


@app.middleware("http")
async def identify(request: Request, call_next):
    response = await call_next(request)
    # The replica and release in a header too, for clients that only look at headers (curl -I).
    response.headers["X-Pod"] = POD
    response.headers["X-Version"] = f"{VERSION}-{TRACK}"
    with _lock:
        key = (request.url.path, response.status_code)
        _requests[key] = _requests.get(key, 0) + 1
    return response


def _who() -> dict:
    return {"version": VERSION, "track": TRACK, "pod": POD}


@app.get("/healthz")
def healthz():
    """Liveness: the process answers."""
    return {"status": "ok", **_who(), "uptime_s": round(time.time() - STARTED, 1)}


@app.get("/readyz")
def readyz(response: Response):
    """Readiness: ready to take traffic (after READY_DELAY_S, e.g. a model load)."""
    if time.time() - STARTED < READY_DELAY_S:
        response.status_code = 503
        return {"ready": False, **_who()}
    return {"ready": True, **_who()}


@app.post("/v1/echo")
def echo(body: EchoIn):
    """The "inference": echo the text back, with who answered."""
    return {"echo": body.text, "length": len(body.text), **_who()}


@app.get("/metrics")
def metrics():
    """Prometheus text format (the course's "/metrics placeholder", made real)."""
    lines = [
        "# HELP inference_requests_total Requests served, by path and status code.",
        "# TYPE inference_requests_total counter",
    ]
    with _lock:
        for (path, code), count in sorted(_requests.items()):
            lines.append(f'inference_requests_total{{path="{path}",code="{code}"}} {count}')
    lines += [
        "# HELP inference_uptime_seconds Seconds since the replica started.",
        "# TYPE inference_uptime_seconds gauge",
        f"inference_uptime_seconds {time.time() - STARTED:.1f}",
        "# HELP inference_build_info The release this replica runs.",
        "# TYPE inference_build_info gauge",
        f'inference_build_info{{version="{VERSION}",track="{TRACK}",pod="{POD}"}} 1',
    ]
    return Response("\n".join(lines) + "\n", media_type="text/plain; version=0.0.4")
