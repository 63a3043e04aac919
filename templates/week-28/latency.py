# Week 28: latency of the API as the lecture's SLIs put it (p50/p95/p99), not in the course's lab (ailab).
# python latency.py [URL] [N]: N sequential POSTs of one sentence; prints the percentiles in milliseconds.
import json
import sys
import time
import urllib.request

url = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000/classify/"
n = int(sys.argv[2]) if len(sys.argv) > 2 else 20
body = json.dumps({"text": "I really enjoyed this movie"}).encode()
times = []
for _ in range(n):
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    start = time.perf_counter()
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()
    times.append((time.perf_counter() - start) * 1000)
times.sort()


def percentile(p):
    return times[min(len(times) - 1, round(p / 100 * (len(times) - 1)))]


print(f"{n} requests: p50={percentile(50):.1f} ms p95={percentile(95):.1f} ms p99={percentile(99):.1f} ms")
