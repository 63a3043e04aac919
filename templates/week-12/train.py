"""Week 12 - the training run every row of the cost worksheet measures (course section 84, steps 3-4).

The course only gives snippets ("Use your standard ResNet-50 script"); this is the whole script, with
each lever a flag so that one row changes one thing:

  baseline   python train.py                                   (FP32, batch 128, as the course)
  spot       python train.py --ckpt-dir ckpt                   (checkpoint + resume; SIGTERM safe)
  AMP        python train.py --amp
  batch/GA   python train.py --batch-size 256 --grad-accum 2
  loader     python train.py --num-workers 8 --pin-memory --persistent-workers
  compile    python train.py --compile                         (PyTorch 2 only)

The last line it prints is `METRICS {json}`: throughput, latency p50/p95, GPU utilisation, time to
train and accuracy, which costs.py turns into a worksheet row.

Fixed from the course's snippets:
  - torch.cuda.amp.autocast / GradScaler are deprecated (FutureWarning since PyTorch 2.4):
    torch.autocast(device_type, ...) and torch.amp.GradScaler("cuda") (torch.cuda.amp.GradScaler on
    an older PyTorch); on a CPU autocast uses bfloat16 and no scaler;
  - `enumerate(loader, start=start_step)` only renumbered the batches: a resumed run trained the
    consumed batches again. The sampler here skips what the checkpoint says was done;
  - load_checkpoint_if_exists / save_checkpoint / CKPT_EVERY / criterion / loader were undefined;
    checkpoints are written atomically (temp file + os.replace) and SIGTERM (what a spot VM's
    shutdown sends; AWS gives a 2-minute notice, GCP about 30 s) saves one and exits 143;
  - the AMP snippet had no optimizer.zero_grad(); gradient accumulation (4.4) had no code.
"""

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset, Sampler


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", choices=["synthetic", "cifar10"], default="synthetic")
    p.add_argument("--data-dir", default="./data")
    p.add_argument("--model", choices=["resnet50", "small"], default="resnet50")
    p.add_argument("--samples", type=int, default=50000, help="synthetic training samples (CIFAR-10 has 50000)")
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--grad-accum", type=int, default=1, help="micro-batches per optimizer step")
    p.add_argument("--lr", type=float, default=None,
                   help="default 0.05 x (batch size x grad-accum) / 128: the linear scaling rule for larger batches")
    p.add_argument("--amp", action="store_true", help="automatic mixed precision (lever 4.3)")
    p.add_argument("--compile", action="store_true", help="torch.compile (lever 4.8, PyTorch 2)")
    p.add_argument("--num-workers", type=int, default=0)
    p.add_argument("--pin-memory", action="store_true")
    p.add_argument("--persistent-workers", action="store_true")
    p.add_argument("--ckpt-dir", default="", help="checkpoint here and resume from here (lever 4.1)")
    p.add_argument("--ckpt-every", type=int, default=20, help="batches between checkpoints")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="auto", help="auto, cuda or cpu")
    return p.parse_args()


class SyntheticImages(Dataset):
    """CIFAR-10-shaped data (3x32x32, 10 classes) that a model can learn: a fixed pattern per class
    plus noise. Used when there is no network (CI) and to keep the dataset fixed across runs."""

    def __init__(self, n, seed):
        g = torch.Generator().manual_seed(1234)
        self.patterns = torch.randn(10, 3, 1, 1, generator=g) + 0.5 * torch.randn(10, 3, 32, 32, generator=g)
        g = torch.Generator().manual_seed(seed)
        self.labels = torch.randint(0, 10, (n,), generator=g)
        self.noise_seed = seed

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        g = torch.Generator().manual_seed(self.noise_seed * 1_000_003 + i)
        y = int(self.labels[i])
        return self.patterns[y] + torch.randn(3, 32, 32, generator=g), y


def datasets(args):
    if args.data == "cifar10":
        import torchvision
        import torchvision.transforms as T

        norm = T.Normalize((0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616))
        train = torchvision.datasets.CIFAR10(
            args.data_dir, train=True, download=True,
            transform=T.Compose([T.RandomCrop(32, padding=4), T.RandomHorizontalFlip(), T.ToTensor(), norm]),
        )
        test = torchvision.datasets.CIFAR10(args.data_dir, train=False, download=True, transform=T.Compose([T.ToTensor(), norm]))
        return train, test
    return SyntheticImages(args.samples, seed=1), SyntheticImages(max(args.samples // 5, 200), seed=2)


def make_model(name):
    if name == "resnet50":
        import torchvision

        return torchvision.models.resnet50(weights=None, num_classes=10)
    return nn.Sequential(
        nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
        nn.Flatten(), nn.Linear(32, 10),
    )


class ResumableSampler(Sampler):
    """A shuffled order fixed by (seed, epoch) that can start part-way: a resumed run skips the
    samples the checkpoint says were already trained on (the course's enumerate(start=) did not)."""

    def __init__(self, n, seed, epoch, skip):
        self.n, self.seed, self.epoch, self.skip = n, seed, epoch, skip

    def __iter__(self):
        g = torch.Generator().manual_seed(self.seed * 1000 + self.epoch)
        return iter(torch.randperm(self.n, generator=g)[self.skip:].tolist())

    def __len__(self):
        return self.n - self.skip


def make_scaler(enabled):
    if hasattr(torch, "amp") and hasattr(torch.amp, "GradScaler"):
        return torch.amp.GradScaler("cuda", enabled=enabled)
    return torch.cuda.amp.GradScaler(enabled=enabled)  # PyTorch < 2.3


def save_checkpoint(path, state):
    tmp = path + ".tmp"
    torch.save(state, tmp)
    os.replace(tmp, path)  # atomic: a preemption mid-write never leaves a broken checkpoint


def load_checkpoint_if_exists(path, model, optimizer, scaler):
    if not path or not os.path.exists(path):
        return None
    state = torch.load(path, map_location="cpu")
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    scaler.load_state_dict(state["scaler"])
    return state


class GpuSampler(threading.Thread):
    """utilization.gpu from nvidia-smi every second while training (the course's `-l 5` monitor)."""

    def __init__(self, index):
        super().__init__(daemon=True)
        self.index, self.samples, self.stop = index, [], threading.Event()

    def run(self):
        while not self.stop.wait(1.0):
            try:
                out = subprocess.run(
                    ["nvidia-smi", "-i", str(self.index), "--query-gpu=utilization.gpu", "--format=csv,noheader,nounits"],
                    capture_output=True, text=True, timeout=5,
                ).stdout.strip()
                self.samples.append(float(out.splitlines()[0]))
            except (OSError, ValueError, IndexError, subprocess.TimeoutExpired):
                pass


def main():
    args = parse_args()
    torch.manual_seed(args.seed)
    if args.device == "auto":
        device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    else:
        device = torch.device(args.device)
    cuda = device.type == "cuda"
    gpu_name = torch.cuda.get_device_name(device) if cuda else "CPU"

    train_set, test_set = datasets(args)
    model = make_model(args.model).to(device)
    lr = args.lr if args.lr is not None else 0.05 * args.batch_size * args.grad_accum / 128
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    criterion = nn.CrossEntropyLoss()
    scaler = make_scaler(args.amp and cuda)
    amp_dtype = torch.float16 if cuda else torch.bfloat16

    ckpt = os.path.join(args.ckpt_dir, "last.pt") if args.ckpt_dir else ""
    if args.ckpt_dir:
        os.makedirs(args.ckpt_dir, exist_ok=True)
    state = load_checkpoint_if_exists(ckpt, model, optimizer, scaler)
    start_epoch, start_batch, elapsed_before, resumed_from = 0, 0, 0.0, None
    if state:
        start_epoch, start_batch, elapsed_before = state["epoch"], state["batch"], state["elapsed"]
        resumed_from = state["global_step"]
        print(f"resumed from step {resumed_from} (epoch {start_epoch}, batch {start_batch})", flush=True)

    compiled = False
    if args.compile:
        if hasattr(torch, "compile"):
            model = torch.compile(model)
            compiled = True
        else:
            print(f"torch.compile needs PyTorch 2 (this is {torch.__version__}): running without it", flush=True)

    preempted = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: preempted.set())

    sampler = GpuSampler(device.index or 0) if cuda and shutil.which("nvidia-smi") else None
    if sampler:
        sampler.start()

    per_epoch = (len(train_set) + args.batch_size - 1) // args.batch_size
    global_step = start_epoch * per_epoch + start_batch
    samples_seen = 0
    model.train()
    t0 = time.perf_counter()

    def checkpoint(epoch, batch):
        if ckpt:
            save_checkpoint(ckpt, {
                "model": model.state_dict(), "optimizer": optimizer.state_dict(), "scaler": scaler.state_dict(),
                "epoch": epoch, "batch": batch, "global_step": global_step,
                "elapsed": elapsed_before + time.perf_counter() - t0,
            })

    for epoch in range(start_epoch, args.epochs):
        skip = start_batch * args.batch_size if epoch == start_epoch else 0
        loader = DataLoader(
            train_set, batch_size=args.batch_size,
            sampler=ResumableSampler(len(train_set), args.seed, epoch, skip),
            num_workers=args.num_workers, pin_memory=args.pin_memory and cuda,
            persistent_workers=args.persistent_workers and args.num_workers > 0,
        )
        batch = start_batch if epoch == start_epoch else 0
        optimizer.zero_grad(set_to_none=True)
        for x, y in loader:
            x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
            with torch.autocast(device_type=device.type, dtype=amp_dtype, enabled=args.amp):
                loss = criterion(model(x), y) / args.grad_accum
            scaler.scale(loss).backward()
            batch += 1
            global_step += 1
            samples_seen += len(y)
            if batch % args.grad_accum == 0 or batch == per_epoch:
                scaler.step(optimizer)
                scaler.update()
                optimizer.zero_grad(set_to_none=True)
                if ckpt and (global_step % args.ckpt_every == 0 or preempted.is_set()):
                    checkpoint(epoch, batch)
                if preempted.is_set():
                    print(f"preempted (SIGTERM) at step {global_step}: checkpoint saved, exiting", flush=True)
                    sys.exit(143)
        start_batch = 0
    if cuda:
        torch.cuda.synchronize()
    train_seconds = time.perf_counter() - t0
    if sampler:
        sampler.stop.set()
    if ckpt:
        checkpoint(args.epochs, 0)

    # Accuracy on held-out data, then single-request latency (what an inference endpoint would see).
    model.eval()
    correct = total = 0
    with torch.no_grad():
        for x, y in DataLoader(test_set, batch_size=256):
            pred = model(x.to(device)).argmax(1).cpu()
            correct += int((pred == y).sum())
            total += len(y)
        one = test_set[0][0].unsqueeze(0).to(device)
        latencies = []
        for i in range(60):
            s = time.perf_counter()
            model(one)
            if cuda:
                torch.cuda.synchronize()
            if i >= 10:
                latencies.append((time.perf_counter() - s) * 1000)
    latencies.sort()

    gpu_util = round(statistics.mean(sampler.samples), 1) if sampler and sampler.samples else None
    metrics = {
        "device": gpu_name,
        "torch": torch.__version__,
        "model": args.model,
        "data": args.data,
        "precision": ("amp-fp16" if cuda else "amp-bf16") if args.amp else "fp32",
        "batch_size": args.batch_size,
        "grad_accum": args.grad_accum,
        "num_workers": args.num_workers,
        "compiled": compiled,
        "samples": samples_seen,
        "train_seconds": round(elapsed_before + train_seconds, 3),
        "throughput_per_s": round(samples_seen / train_seconds, 1) if train_seconds > 0 else 0.0,
        "latency_p50_ms": round(latencies[len(latencies) // 2], 3),
        "latency_p95_ms": round(latencies[int(len(latencies) * 0.95) - 1], 3),
        "gpu_util_pct": gpu_util,
        "accuracy_pct": round(100.0 * correct / total, 2),
        "resumed_from_step": resumed_from,
    }
    if gpu_util is not None and gpu_util < 50:
        print(f"GPU util {gpu_util}% < 50%: probably I/O-bound (cache data locally, more loader workers)", flush=True)
    print("METRICS " + json.dumps(metrics), flush=True)


if __name__ == "__main__":
    main()
