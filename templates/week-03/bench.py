# Week 3, step 2: the benchmark task, a matrix multiplication stress test in PyTorch. The course's
# script, with fixes (ailab):
# - torch.cuda.synchronize() was called unconditionally, so the CPU branch the script itself offers
#   crashed with "Torch not compiled with CUDA enabled": it now synchronizes on CUDA only;
# - the warm-up was not waited for, so the clock also timed its tail: synchronize before starting it;
# - time.perf_counter() (a clock made for intervals) instead of time.time().
# N and ITERATIONS come from the lab's vars: the course's 10000 and 10 by default.
import time

import torch

N = ${{ n }}
ITERATIONS = ${{ iterations }}

device = "cuda" if torch.cuda.is_available() else "cpu"
x = torch.rand((N, N), device=device)

# Warmup
y = x @ x
if device == "cuda":
    torch.cuda.synchronize()

# Benchmark
start = time.perf_counter()
for _ in range(ITERATIONS):
    y = x @ x
if device == "cuda":
    torch.cuda.synchronize()
end = time.perf_counter()

print(f"Device: {torch.cuda.get_device_name(0) if device=='cuda' else 'CPU'}")
print("Time taken:", round(end-start, 3), "seconds")
# Added by ailab for the comparison table: the work done per second, and what ran it.
print(f"TFLOPS: {2 * N**3 * ITERATIONS / (end - start) / 1e12:.4f}")
print(f"PyTorch: {torch.__version__} (CUDA {torch.version.cuda})")
print(f"Matrix: {N}x{N}, {ITERATIONS} matmuls")
