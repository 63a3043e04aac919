"""A stand-in for the small part of PyTorch that ailab's torch check and matmul payload use.

Tests put this folder first on PYTHONPATH to exercise the GPU code paths on a machine without a GPU
(and without torch): tensors are numpy arrays, "CUDA" matmuls run on the CPU, CUDA events read
perf_counter. It is a fake: its numbers say nothing about any GPU. Configured by environment:
  AILAB_FAKE_TORCH_VERSION  torch.__version__ (default 2.3.1+cu121)
  AILAB_FAKE_TORCH_CUDA     torch.version.cuda (default 12.1; "none" for a CPU-only wheel)
  AILAB_FAKE_TORCH_GPUS     "name:major.minor:memory_mib;…" (default: none, so no CUDA device)
  AILAB_FAKE_TORCH_CUDNN    torch.backends.cudnn.version() (default 8902; "none" for no cuDNN)
"""
import os
import time
from types import SimpleNamespace

import numpy as np

__version__ = os.environ.get("AILAB_FAKE_TORCH_VERSION", "2.3.1+cu121")
_cuda = os.environ.get("AILAB_FAKE_TORCH_CUDA", "12.1")
version = SimpleNamespace(cuda=None if _cuda == "none" else _cuda, hip=None)


def _gpus():
    spec = os.environ.get("AILAB_FAKE_TORCH_GPUS", "")
    gpus = []
    for item in filter(None, spec.split(";")):
        name, capability, memory = item.rsplit(":", 2)
        major, minor = (int(x) for x in capability.split("."))
        gpus.append(SimpleNamespace(name=name, major=major, minor=minor, total_memory=int(memory) * 1048576))
    return gpus


float32, float64, float16, bfloat16 = "float32", "float64", "float16", "bfloat16"
_rng = np.random.default_rng(0)


class Tensor:
    def __init__(self, array):
        self.a = np.asarray(array)

    shape = property(lambda self: self.a.shape)

    def __matmul__(self, other):
        return Tensor(self.a @ other.a)

    def __sub__(self, other):
        return Tensor(self.a - other.a)

    def __getitem__(self, index):
        return Tensor(self.a[index])

    def float(self):
        return Tensor(self.a.astype(np.float32))

    def double(self):
        return Tensor(self.a.astype(np.float64))

    def abs(self):
        return Tensor(np.abs(self.a))

    def max(self):
        return Tensor(self.a.max())

    def all(self):
        return Tensor(self.a.all())

    def item(self):
        return self.a.item()

    def __bool__(self):
        return bool(self.a)


def manual_seed(seed):
    global _rng
    _rng = np.random.default_rng(seed)


def randn(shape, device=None, dtype=None):
    # Every dtype is computed in float32 here: numpy has no bfloat16.
    return Tensor(_rng.standard_normal(shape, dtype=np.float32))


def isfinite(tensor):
    return Tensor(np.isfinite(tensor.a))


def get_num_threads():
    return os.cpu_count()


class _Event:
    def __init__(self, enable_timing=False):
        self.t = None

    def record(self, stream=None):
        self.t = time.perf_counter()

    def synchronize(self):
        pass

    def elapsed_time(self, end):
        return (end.t - self.t) * 1000.0


def _is_available():
    return version.cuda is not None and len(_gpus()) > 0


cuda = SimpleNamespace(
    is_available=_is_available,
    device_count=lambda: len(_gpus()) if _is_available() else 0,
    get_device_properties=lambda i: _gpus()[i],
    get_device_name=lambda i=0: _gpus()[i].name,
    synchronize=lambda device=None: None,
    Event=_Event,
)

_cudnn = os.environ.get("AILAB_FAKE_TORCH_CUDNN", "8902")
backends = SimpleNamespace(
    cuda=SimpleNamespace(matmul=SimpleNamespace(allow_tf32=False)),
    cudnn=SimpleNamespace(
        is_available=lambda: _cudnn != "none",
        version=lambda: None if _cudnn == "none" else int(_cudnn),
        allow_tf32=True,
    ),
)
