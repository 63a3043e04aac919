# Step 2: the baseline with ONNX Runtime (the course's benchmark_onnx.py).
# Changes (ailab: fixed):
#   - one cold session.run timed with time.time() measures start-up, not latency: 10 warm-up runs, then
#     100 timed runs with time.perf_counter(), reported as p50/p95/mean (lecture 153's method);
#   - the execution provider is stated: ONNX Runtime runs on the CPU unless onnxruntime-gpu is installed
#     (then CUDA first), so this baseline is usually a CPU one; the GPU FP32 baseline for the speed-ups
#     is trtexec's FP32 engine (step fp32-engine);
#   - the result is also written to baseline.json for the comparison (step compare).
import argparse
import json
import time

import numpy as np
import onnxruntime as ort


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="resnet18.onnx")
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--runs", type=int, default=100)
    ap.add_argument("--out", default="baseline.json")
    args = ap.parse_args()

    wanted = ["CUDAExecutionProvider", "CPUExecutionProvider"]
    providers = [p for p in wanted if p in ort.get_available_providers()]
    session = ort.InferenceSession(args.model, providers=providers)
    input_name = session.get_inputs()[0].name

    x = np.random.rand(1, 3, 224, 224).astype(np.float32)
    for _ in range(args.warmup):
        session.run(None, {input_name: x})
    times = []
    for _ in range(args.runs):
        start = time.perf_counter()
        out = session.run(None, {input_name: x})
        times.append((time.perf_counter() - start) * 1000)

    p50, p95 = np.percentile(times, [50, 95])
    result = {
        "provider": session.get_providers()[0],
        "runs": args.runs,
        "output_shape": list(out[0].shape),
        "p50_ms": round(float(p50), 3),
        "p95_ms": round(float(p95), 3),
        "mean_ms": round(float(np.mean(times)), 3),
    }
    print("Provider:", result["provider"])
    print(f"Latency (ms): p50 {result['p50_ms']} p95 {result['p95_ms']} mean {result['mean_ms']} over {args.runs} runs")
    with open(args.out, "w") as f:
        json.dump(result, f, indent=2)


if __name__ == "__main__":
    main()
