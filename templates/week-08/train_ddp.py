# Week 8 lab: train ResNet-18 on CIFAR-10 with PyTorch DistributedDataParallel (course step 4, fixed).
# What was fixed, and why:
# - The course both calls mp.spawn in the script and launches it with torch.distributed.run, so every
#   launcher worker spawns its own ranks 0..N-1 against one rendezvous: duplicate ranks, "Connection
#   refused", exit 1. Here the script works either way: under torchrun (LOCAL_RANK is set) it is one
#   rank; run as `python train_ddp.py` it spawns the ranks itself and sets MASTER_ADDR/MASTER_PORT.
# - World size comes from the launcher (or NPROC), not torch.cuda.device_count(): with 0 GPUs the
#   course's mp.spawn(nprocs=0) silently did nothing.
# - Only rank 0 downloads CIFAR-10, the others wait at a barrier (every rank downloading into ./data
#   at once corrupts the archive).
# - The checkpoint is saved from model.module (the DDP wrapper adds a "module." prefix that the
#   course's loader rejects), by rank 0 only, before the process group is destroyed.
# - BACKEND=gloo and DEVICE=cpu run it on a machine without GPUs; DATA=fake uses torchvision's
#   FakeData instead of CIFAR-10 (which cannot be faked: its archive is checksummed).
import os

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn as nn
import torch.optim as optim
import torchvision
import torchvision.models as models
import torchvision.transforms as transforms
from torch.nn.parallel import DistributedDataParallel as DDP

USE_CUDA = os.environ.get("DEVICE", "cuda" if torch.cuda.is_available() else "cpu") == "cuda"
BACKEND = os.environ.get("BACKEND", "nccl" if USE_CUDA else "gloo")
DATA = os.environ.get("DATA", "cifar10")
EPOCHS = int(os.environ.get("EPOCHS", "2"))


def setup(rank, world_size):
    os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
    os.environ.setdefault("MASTER_PORT", "29500")
    dist.init_process_group(BACKEND, rank=rank, world_size=world_size)
    if USE_CUDA:
        torch.cuda.set_device(rank % torch.cuda.device_count())


def cleanup():
    dist.destroy_process_group()


def load_trainset(rank):
    transform = transforms.Compose([transforms.ToTensor()])
    if DATA == "fake":
        size = int(os.environ.get("FAKE_SIZE", "512"))
        return torchvision.datasets.FakeData(
            size=size, image_size=(3, 32, 32), num_classes=10, transform=transform
        )
    if rank == 0:
        torchvision.datasets.CIFAR10(root="./data", train=True, download=True)
    dist.barrier()
    return torchvision.datasets.CIFAR10(root="./data", train=True, download=False, transform=transform)


def train(rank, world_size):
    setup(rank, world_size)
    device = torch.device(f"cuda:{torch.cuda.current_device()}" if USE_CUDA else "cpu")

    trainset = load_trainset(rank)
    train_sampler = torch.utils.data.distributed.DistributedSampler(trainset, num_replicas=world_size, rank=rank)
    trainloader = torch.utils.data.DataLoader(trainset, batch_size=128, sampler=train_sampler)

    model = models.resnet18(weights=None, num_classes=10).to(device)
    model = DDP(model, device_ids=[device.index] if USE_CUDA else None)

    criterion = nn.CrossEntropyLoss()
    optimizer = optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

    for epoch in range(EPOCHS):  # keep short for demo
        train_sampler.set_epoch(epoch)
        running_loss = 0.0
        for inputs, labels in trainloader:
            inputs, labels = inputs.to(device), labels.to(device)
            optimizer.zero_grad()
            outputs = model(inputs)
            loss = criterion(outputs, labels)
            loss.backward()
            optimizer.step()
            running_loss += loss.item()
        # One write per line (print writes the text and the newline separately, and ranks interleave).
        print(f"[GPU {rank}] Epoch {epoch+1}, Loss: {running_loss/len(trainloader)}\n", end="", flush=True)

    # 7. Save a checkpoint: one process saves, without the DDP wrapper's "module." prefix.
    if rank == 0:  # only one process saves
        torch.save(model.module.state_dict(), "resnet_ddp.pth")
        print("[GPU 0] Saved checkpoint resnet_ddp.pth\n", end="", flush=True)
    cleanup()


def main():
    if "LOCAL_RANK" in os.environ:
        # Launched by torchrun / torch.distributed.run: this process is one rank.
        train(int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"]))
        return
    # Launched as `python train_ddp.py`: spawn one process per GPU (or NPROC processes).
    world_size = int(os.environ.get("NPROC") or torch.cuda.device_count())
    if world_size < 1:
        raise SystemExit("No GPU found: set NPROC=2 (and BACKEND=gloo DEVICE=cpu) to train on CPU")
    mp.spawn(train, args=(world_size,), nprocs=world_size, join=True)


if __name__ == "__main__":
    main()
