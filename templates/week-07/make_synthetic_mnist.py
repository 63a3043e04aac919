"""Write a small synthetic MNIST in torchvision's raw IDX format, for machines that cannot download it.

Not part of the course: ailab's `data=synthetic` path runs this instead of the download, so the
course's unmodified `torchvision.datasets.MNIST(root='./data', download=True)` finds the raw files
in ./data/MNIST/raw/ and skips the download. Each digit class is a fixed random 28x28 pattern plus
noise, so a small MLP learns it in one epoch (the accuracy says nothing about real MNIST).
"""
import argparse
import os
import struct

import numpy as np


def write_split(raw, prefix, n, templates, rng):
    labels = rng.integers(0, 10, size=n, dtype=np.uint8)
    noise = rng.random((n, 28, 28)) * 120
    images = np.clip(templates[labels] * 0.7 + noise, 0, 255).astype(np.uint8)
    with open(os.path.join(raw, f"{prefix}-images-idx3-ubyte"), "wb") as f:
        f.write(struct.pack(">IIII", 2051, n, 28, 28))
        f.write(images.tobytes())
    with open(os.path.join(raw, f"{prefix}-labels-idx1-ubyte"), "wb") as f:
        f.write(struct.pack(">II", 2049, n))
        f.write(labels.tobytes())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default="./data", help="the root the training script passes to MNIST")
    parser.add_argument("--train-size", type=int, default=60000)
    parser.add_argument("--test-size", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    rng = np.random.default_rng(args.seed)
    templates = (rng.random((10, 28, 28)) > 0.7) * 255.0
    raw = os.path.join(args.root, "MNIST", "raw")
    os.makedirs(raw, exist_ok=True)
    write_split(raw, "train", args.train_size, templates, rng)
    write_split(raw, "t10k", args.test_size, templates, rng)
    print(f"Synthetic MNIST: {args.train_size} training and {args.test_size} test images in {raw}")


if __name__ == "__main__":
    main()
