"""Week 20, platform=local - a stand-in for Route 53 latency routing with health checks, in one process.

Route 53 answers a name with the record of the region nearest the client among the records whose
health check passes; a health check fails after `--failure-threshold` failed probes `--interval` s apart,
and resolvers keep an answer for its TTL. This does the same for HTTP: each record is an endpoint with
an AWS region (latency records need one), probed on /healthz; a request is sent to the endpoint its
client region resolves to (header X-Client-Region, else --default-region), kept for --ttl seconds.
When no record is healthy, every record is answered, as Route 53 does.

  python3 dns_router.py --listen 127.0.0.1:8080 \\
      --record aws=http://127.0.0.1:8081@us-east-1 --record gcp=http://127.0.0.1:8082@us-east-2

GET /dns/resolve?region=R   the answer for a client in R ({"answer": "gcp", ...}), like `dig`
GET /dns/status             the records, their health, the failovers seen
anything else               proxied to the answer (header X-Served-By names it)
Standard library only.
"""

import argparse
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Record:
    def __init__(self, spec):
        name, rest = spec.split("=", 1)
        url, region = rest.rsplit("@", 1)
        self.name, self.url, self.region = name, url.rstrip("/"), region
        self.healthy, self.fails, self.oks, self.rtt = True, 0, 0, None
        self.first_fail_at = None


class Router:
    def __init__(self, records, interval, threshold, ttl, default_region):
        self.records, self.interval, self.threshold, self.ttl = records, interval, threshold, ttl
        self.default_region = default_region
        self.cache, self.events, self.lock = {}, [], threading.Lock()

    def probe_forever(self):
        while True:
            for r in self.records:
                start = time.monotonic()
                try:
                    with urllib.request.urlopen(r.url + "/healthz", timeout=min(2.0, self.interval * 2)) as res:
                        ok = res.status == 200
                except (OSError, urllib.error.URLError):
                    ok = False
                with self.lock:
                    if ok:
                        r.rtt = time.monotonic() - start
                        r.oks, r.fails = r.oks + 1, 0
                        if not r.healthy and r.oks >= self.threshold:
                            r.healthy = True
                            self.events.append({"record": r.name, "healthy": True, "at": time.time()})
                        if r.healthy:
                            r.first_fail_at = None
                    else:
                        r.fails, r.oks = r.fails + 1, 0
                        r.first_fail_at = r.first_fail_at or time.time()
                        if r.healthy and r.fails >= self.threshold:
                            r.healthy = False
                            self.events.append({
                                "record": r.name, "healthy": False, "at": time.time(),
                                "detected_after_seconds": round(time.time() - r.first_fail_at, 2),
                            })
                            self.cache.clear()
            time.sleep(self.interval)

    def resolve(self, region):
        now = time.time()
        with self.lock:
            cached = self.cache.get(region)
            if cached and cached[1] > now:
                return cached[0]
            healthy = [r for r in self.records if r.healthy] or self.records
            same = [r for r in healthy if r.region == region]
            answer = same[0] if same else min(healthy, key=lambda r: r.rtt if r.rtt is not None else 1e9)
            self.cache[region] = (answer, now + self.ttl)
            return answer

    def status(self):
        with self.lock:
            return {
                "records": [{"name": r.name, "url": r.url, "region": r.region, "healthy": r.healthy} for r in self.records],
                "failovers": sum(1 for e in self.events if not e["healthy"]),
                "events": list(self.events),
                "ttl": self.ttl,
            }


def handler_for(router):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, fmt, *args):
            pass

        def send_json(self, code, body, extra=None):
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for k, v in (extra or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        def proxy(self):
            url = urllib.parse.urlsplit(self.path)
            if url.path == "/dns/status":
                return self.send_json(200, router.status())
            if url.path == "/dns/resolve":
                region = urllib.parse.parse_qs(url.query).get("region", [router.default_region])[0]
                r = router.resolve(region)
                return self.send_json(200, {"region": region, "answer": r.name, "url": r.url, "healthy": r.healthy, "ttl": router.ttl})
            r = router.resolve(self.headers.get("X-Client-Region", router.default_region))
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0)) or None
            headers = {k: v for k, v in self.headers.items() if k.lower() in ("content-type", "x-api-key", "authorization", "accept")}
            req = urllib.request.Request(r.url + self.path, data=body, method=self.command, headers=headers)
            try:
                with urllib.request.urlopen(req, timeout=10) as res:
                    status, data, ctype = res.status, res.read(), res.headers.get("Content-Type", "application/json")
            except urllib.error.HTTPError as e:
                status, data, ctype = e.code, e.read(), e.headers.get("Content-Type", "application/json")
            except (OSError, urllib.error.URLError) as e:
                # What a client sees while DNS still points at a dead endpoint.
                return self.send_json(502, {"error": f"{r.name} ({r.url}) unreachable: {e}"}, {"X-Served-By": r.name})
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("X-Served-By", r.name)
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_DELETE = proxy

    return Handler


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--listen", default="127.0.0.1:8080")
    p.add_argument("--record", action="append", required=True, help="NAME=URL@AWS_REGION")
    p.add_argument("--interval", type=float, default=10.0, help="seconds between health checks (Route 53: 10 or 30)")
    p.add_argument("--failure-threshold", type=int, default=3, help="failed checks before unhealthy (Route 53: 3)")
    p.add_argument("--ttl", type=float, default=60.0, help="seconds an answer is cached")
    p.add_argument("--default-region", default="us-east-1")
    a = p.parse_args()
    router = Router([Record(s) for s in a.record], a.interval, a.failure_threshold, a.ttl, a.default_region)
    threading.Thread(target=router.probe_forever, daemon=True).start()
    host, port = a.listen.rsplit(":", 1)
    server = ThreadingHTTPServer((host, int(port)), handler_for(router))
    print(f"dns-router on {a.listen}: " + ", ".join(f"{r.name}={r.url}@{r.region}" for r in router.records), flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
