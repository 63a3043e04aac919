# Step 7: compare the results (not in the course, whose table is typed in by hand). Reads trtexec's
# logs (logs/fp32.log, logs/fp16.log, logs/int8.log: the runs of the saved engines) and baseline.json
# (ONNX Runtime, step 2), prints the table and writes results.json. The GPU FP32 baseline is trtexec's
# FP32 engine, not ONNX Runtime (usually on the CPU): ailab fixed the course's comparison.
import json
import os
import re
import sys

SUMMARY = {
    "gpu_mean_ms": re.compile(r"\] \[I\] GPU Compute Time: min = [\d.]+ ms, max = [\d.]+ ms, mean = ([\d.]+) ms"),
    "latency_mean_ms": re.compile(r"\] \[I\] Latency: min = [\d.]+ ms, max = [\d.]+ ms, mean = ([\d.]+) ms"),
    "throughput_qps": re.compile(r"\] \[I\] Throughput: ([\d.]+) qps"),
}
DEVICE = re.compile(r"\] \[I\] Selected Device: (.+)$", re.M)
VERSION = re.compile(r"^&&&& PASSED TensorRT\.trtexec \[TensorRT v(\d+)\]", re.M)


def read_log(path):
    text = open(path, errors="replace").read()
    row = {"log": path, "passed": bool(VERSION.search(text))}
    for key, rx in SUMMARY.items():
        m = rx.search(text)
        row[key] = float(m.group(1)) if m else None
    device = DEVICE.search(text)
    row["device"] = device.group(1).strip() if device else None
    version = VERSION.search(text)
    row["tensorrt"] = version.group(1) if version else None
    return row


def main():
    folder = sys.argv[1] if len(sys.argv) > 1 else "logs"
    results = {"engines": {}, "speedup_vs_fp32": {}}
    for precision in ("fp32", "fp16", "int8"):
        path = os.path.join(folder, f"{precision}.log")
        if os.path.exists(path):
            results["engines"][precision] = read_log(path)
    if os.path.exists("baseline.json"):
        results["onnxruntime"] = json.load(open("baseline.json"))
    fp32 = results["engines"].get("fp32", {}).get("gpu_mean_ms")
    for precision, row in results["engines"].items():
        if fp32 and row["gpu_mean_ms"]:
            results["speedup_vs_fp32"][precision] = round(fp32 / row["gpu_mean_ms"], 2)

    print(f"{'mode':<12}{'GPU mean (ms)':>15}{'qps':>10}{'speed-up':>10}")
    if "onnxruntime" in results:
        ort = results["onnxruntime"]
        print(f"{'ORT ' + ort['provider'][:3]:<12}{ort['mean_ms']:>15}{'':>10}{'':>10}")
    for precision, row in results["engines"].items():
        speedup = results["speedup_vs_fp32"].get(precision)
        print(f"{precision.upper():<12}{row['gpu_mean_ms'] or '-':>15}{row['throughput_qps'] or '-':>10}"
              f"{(str(speedup) + 'x') if speedup else '-':>10}")
    for precision, speedup in results["speedup_vs_fp32"].items():
        if precision != "fp32":
            print(f"{precision}_speedup={speedup}")
    with open("results.json", "w") as f:
        json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
