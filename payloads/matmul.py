#!/usr/bin/env python3
"""ailab's matmul benchmark, piped to a Python interpreter on the target by the cuda-matmul check.

It times C = A @ B: a warm-up first, then N timed runs (CUDA events on a GPU, perf_counter on the CPU),
and reports the median as FLOPS = 2*M*N*K / t, with a correctness check of a slice of C against a
higher-precision reference (gpu-burn's idea: a fast GPU that computes garbage is a broken GPU).

Input: one JSON argument (options). Output: one line `@@ailab-matmul {json}` on stdout.
Python 3.8+, torch for the GPU (and optionally the CPU), numpy for the CPU without torch.
The pure functions at the top are tested by ailab's test suite without a GPU.
"""
import json
import math
import os
import sys
import time

MARK = "@@ailab-matmul "
DTYPES = ("fp32", "tf32", "fp16", "bf16")
# Largest acceptable max|C - ref| / max|ref| on the checked rows, per dtype. The reference uses the same
# (already rounded) inputs in fp32/fp64, so only accumulation and output rounding differ.
TOLERANCE = {"fp32": 1e-4, "tf32": 1e-2, "fp16": 1e-2, "bf16": 3e-2}
CHECK_ROWS = 256
MAX_TIMED_RUNS = 2000


def round_up(n, multiple=256):
    """Round a matrix dimension up to a multiple of 256 (tensor-core tiles), at least one multiple."""
    n = int(n)
    return max(multiple, int(math.ceil(n / float(multiple))) * multiple)


def choose_dtype(requested, device, capability=None):
    """The dtype to time: auto is bf16 from Ampere (8.0) on, fp16 before (T4, V100), fp32 on the CPU.

    Raises ValueError when the device cannot do what was asked.
    """
    if requested not in ("auto",) + DTYPES:
        raise ValueError("unknown dtype %r: use auto, fp32, tf32, fp16 or bf16" % (requested,))
    if device == "cpu":
        if requested not in ("auto", "fp32"):
            raise ValueError("the CPU path times fp32 only (asked for %s)" % requested)
        return "fp32"
    major = capability[0] if capability else 0
    if requested == "auto":
        return "bf16" if major >= 8 else "fp16"
    if requested in ("bf16", "tf32") and major < 8:
        raise ValueError(
            "%s needs compute capability 8.0 (Ampere) or newer; this GPU is %s: use dtype auto or fp16"
            % (requested, "%d.%d" % tuple(capability) if capability else "unknown")
        )
    return requested


def flop_count(m, n, k):
    """Floating-point operations of one M x K by K x N matmul: a multiply and an add per term."""
    return 2 * m * n * k


def tflops(m, n, k, seconds):
    """Throughput in TFLOPS for one matmul that took `seconds`."""
    return flop_count(m, n, k) / seconds / 1e12


def median(values):
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2.0


def timing_summary(times_ms, m, n, k):
    """Median, min and max of the timed runs, and the throughput at the median."""
    med = median(times_ms)
    return {
        "runs": len(times_ms),
        "median_ms": med,
        "min_ms": min(times_ms),
        "max_ms": max(times_ms),
        "tflops": tflops(m, n, k, med / 1000.0),
    }


def correctness(max_abs_error, max_abs_ref, finite, dtype):
    """Whether a result is right: finite, and within the dtype's tolerance relative to the reference."""
    rel = max_abs_error / max_abs_ref if max_abs_ref > 0 else float(max_abs_error)
    tolerance = TOLERANCE[dtype]
    return {"max_rel_error": rel, "tolerance": tolerance, "finite": bool(finite), "ok": bool(finite) and rel <= tolerance}


def sizes(opts, default):
    size = opts.get("size") or default
    return tuple(round_up(opts.get(key) or size) for key in ("m", "n", "k"))


def stamp(t=None):
    """Local time as nvidia-smi prints its timestamp (YYYY/MM/DD HH:MM:SS.mmm), to line up samples."""
    t = time.time() if t is None else t
    return time.strftime("%Y/%m/%d %H:%M:%S", time.localtime(t)) + ".%03d" % int((t % 1) * 1000)


def run_cuda(opts):
    try:
        import torch
    except ImportError as error:
        return {"ok": False, "reason": "no-torch", "message": "%s: %s" % (type(error).__name__, error)}
    info = {"torch": torch.__version__, "torch_cuda": getattr(torch.version, "cuda", None)}
    if not torch.cuda.is_available():
        info.update(ok=False, reason="no-cuda", message="torch.cuda.is_available() is False")
        return info
    index = int(opts.get("gpu", 0))
    if index >= torch.cuda.device_count():
        info.update(ok=False, reason="no-such-gpu", message="torch sees %d GPU(s), not GPU %d" % (torch.cuda.device_count(), index))
        return info
    props = torch.cuda.get_device_properties(index)
    capability = (props.major, props.minor)
    gpu = {"index": index, "name": props.name, "capability": "%d.%d" % capability, "memory_mib": int(props.total_memory) // 1048576}
    try:
        dtype = choose_dtype(opts.get("dtype", "auto"), "cuda", capability)
    except ValueError as error:
        info.update(ok=False, reason="unsupported-dtype", message=str(error), gpu=gpu)
        return info
    m, n, k = sizes(opts, 8192)
    element = 4 if dtype in ("fp32", "tf32") else 2
    # A, B, C, and for the reference an fp32 copy of B and a few fp32 rows.
    needed = (m * k + k * n + m * n) * element + k * n * 4 + CHECK_ROWS * (k + 2 * n) * 4
    if needed > 0.9 * props.total_memory:
        info.update(ok=False, reason="too-big", message="%dx%dx%d %s needs %d MiB of the GPU's %d MiB" % (m, n, k, dtype, needed >> 20, gpu["memory_mib"]), gpu=gpu)
        return info
    device = "cuda:%d" % index
    torch_dtype = {"fp32": torch.float32, "tf32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}[dtype]
    torch.backends.cuda.matmul.allow_tf32 = dtype == "tf32"
    torch.manual_seed(0)
    a = torch.randn((m, k), device=device, dtype=torch_dtype)
    b = torch.randn((k, n), device=device, dtype=torch_dtype)
    warmup = int(opts.get("warmup", 10))
    # Warm up for a minimum time too, so that clocks have ramped up before timing.
    began = time.perf_counter()
    done = 0
    while done < warmup or time.perf_counter() - began < float(opts.get("min_warmup_seconds", 0.5)):
        c = a @ b
        torch.cuda.synchronize(device)
        done += 1
    iterations = int(opts.get("iterations", 50))
    min_seconds = float(opts.get("min_seconds", 1.0))
    window_start = stamp()
    began = time.perf_counter()
    times = []
    while len(times) < MAX_TIMED_RUNS and (len(times) < iterations or time.perf_counter() - began < min_seconds):
        start = torch.cuda.Event(enable_timing=True)
        end = torch.cuda.Event(enable_timing=True)
        start.record()
        c = a @ b
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end))
    window_end = stamp()
    # The reference: the first rows again in fp32 without TF32, from the same inputs.
    torch.backends.cuda.matmul.allow_tf32 = False
    rows = min(m, CHECK_ROWS)
    ref = a[:rows].float() @ b.float()
    got = c[:rows].float()
    check = correctness(
        (got - ref).abs().max().item(), ref.abs().max().item(), torch.isfinite(c).all().item(), dtype
    )
    info.update(ok=True, device="cuda", backend="torch", dtype=dtype, m=m, n=n, k=k, warmup=done, gpu=gpu,
                correctness=check, window={"start": window_start, "end": window_end})
    info.update(timing_summary(times, m, n, k))
    return info


def run_cpu(opts):
    try:
        dtype = choose_dtype(opts.get("dtype", "auto"), "cpu")
    except ValueError as error:
        return {"ok": False, "reason": "unsupported-dtype", "message": str(error)}
    m, n, k = sizes(opts, 1024)
    backend = opts.get("backend", "auto")
    torch = None
    if backend in ("auto", "torch"):
        try:
            import torch
        except ImportError as error:
            if backend == "torch":
                return {"ok": False, "reason": "no-torch", "message": "%s: %s" % (type(error).__name__, error)}
    warmup = int(opts.get("warmup", 2))
    iterations = int(opts.get("iterations", 10))
    info = {"device": "cpu", "dtype": dtype, "m": m, "n": n, "k": k, "threads": os.cpu_count()}
    if torch is not None:
        torch.manual_seed(0)
        a = torch.randn((m, k), dtype=torch.float32)
        b = torch.randn((k, n), dtype=torch.float32)
        matmul = lambda: a @ b  # noqa: E731
        info.update(backend="torch", torch=torch.__version__, threads=torch.get_num_threads())
    else:
        try:
            import numpy as np
        except ImportError as error:
            return {"ok": False, "reason": "no-numpy", "message": "neither torch nor numpy imports (%s)" % error}
        rng = np.random.default_rng(0)
        a = rng.standard_normal((m, k), dtype=np.float32)
        b = rng.standard_normal((k, n), dtype=np.float32)
        matmul = lambda: a @ b  # noqa: E731
        info.update(backend="numpy", numpy=np.__version__)
    for _ in range(warmup):
        c = matmul()
    times = []
    window_start = stamp()
    for _ in range(max(1, iterations)):
        began = time.perf_counter()
        c = matmul()
        times.append((time.perf_counter() - began) * 1000.0)
    window_end = stamp()
    rows = min(m, CHECK_ROWS)
    if torch is not None:
        ref = a[:rows].double() @ b.double()
        got = c[:rows].double()
        check = correctness((got - ref).abs().max().item(), ref.abs().max().item(), bool(torch.isfinite(c).all()), dtype)
    else:
        ref = a[:rows].astype("float64") @ b.astype("float64")
        got = c[:rows].astype("float64")
        check = correctness(float(abs(got - ref).max()), float(abs(ref).max()), bool(np.isfinite(c).all()), dtype)
    info.update(ok=True, warmup=warmup, correctness=check, window={"start": window_start, "end": window_end})
    info.update(timing_summary(times, m, n, k))
    return info


def run(opts):
    if opts.get("device", "cuda") == "cpu":
        return run_cpu(opts)
    return run_cuda(opts)


def main(argv):
    try:
        opts = json.loads(argv[1]) if len(argv) > 1 else {}
        result = run(opts)
    except Exception as error:  # report, never a traceback: ailab turns this into a clear error
        result = {"ok": False, "reason": "crashed", "message": "%s: %s" % (type(error).__name__, error)}
    sys.stdout.write(MARK + json.dumps(result) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
