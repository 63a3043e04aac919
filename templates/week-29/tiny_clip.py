# Week 29: a STAND-IN for the course's CLIP, not the course's code (ailab). transformers and the Hugging Face Hub
# are out of reach on some machines (CI: no PyPI, no Hub, transformers is not in Debian), so this file gives
# clip_model.py the same API with a tiny two-tower model built in torch:
#   processor(images=img, return_tensors="pt").to(device)            -> {"pixel_values": [1, 3, 224, 224]}
#   processor(text=[q], return_tensors="pt", padding=True).to(device) -> {"input_ids", "attention_mask"} [1, L]
#   model.get_image_features(**inputs), model.get_text_features(**inputs) -> [1, 512], as CLIP ViT-B/32
# `python tiny_clip.py tiny-clip` trains it contrastively (CLIP's idea: matching image and caption pairs score
# highest) in seconds on drawings from make_images.py with fresh random seeds (not the images the lab indexes),
# and saves it as a folder, as from_pretrained expects; clip_model.py loads it when CLIP_MODEL names that folder.
# It knows three things (bicycles, dogs in a park, cats indoors) and a few words: it shows the search service
# working end to end, not what CLIP learned from 400 million pictures.
import json
import os
import random
import re
import sys

import torch
from torch import nn

from make_images import DRAW

MARKER = "tiny_clip.json"  # the folder's config; clip_model.py looks for it
DIM = 512
SIZE = 224
MEAN = torch.tensor([0.48145466, 0.4578275, 0.40821073]).view(3, 1, 1)  # CLIP's image normalisation
STD = torch.tensor([0.26862954, 0.26130258, 0.27577711]).view(3, 1, 1)
CAPTIONS = {
    "bike": ["a man riding a bicycle", "a bicycle", "a bike on the street", "a cyclist", "someone riding a bike",
             "a photo of a bicycle", "a person cycling"],
    "dog": ["a dog playing in the park", "a dog", "a puppy on the grass", "a dog with a ball", "a photo of a dog",
            "a brown dog outside"],
    "cat": ["a cat", "a cat sitting on a sofa", "a kitten indoors", "a photo of a cat", "a cat at home",
            "a grey cat"],
}


def words(text):
    return re.findall(r"[a-z0-9']+", text.lower())


class BatchFeature(dict):
    """transformers' BatchFeature: a dict of tensors with .to(device)."""

    def to(self, device):
        return BatchFeature({k: v.to(device) for k, v in self.items()})


class CLIPProcessor:
    def __init__(self, vocab):
        self.vocab = {w: i for i, w in enumerate(vocab)}

    @classmethod
    def from_pretrained(cls, path):
        with open(os.path.join(path, "vocab.txt"), encoding="utf-8") as f:
            return cls(f.read().splitlines())

    def __call__(self, text=None, images=None, return_tensors="pt", padding=True):
        out = BatchFeature()
        if images is not None:
            images = images if isinstance(images, list) else [images]
            pixels = []
            for img in images:
                img = img.convert("RGB").resize((SIZE, SIZE))
                t = torch.frombuffer(bytearray(img.tobytes()), dtype=torch.uint8).view(SIZE, SIZE, 3)
                pixels.append((t.permute(2, 0, 1).float() / 255 - MEAN) / STD)
            out["pixel_values"] = torch.stack(pixels)
        if text is not None:
            text = [text] if isinstance(text, str) else text
            rows = [[self.vocab.get(w, 1) for w in words(t)] or [1] for t in text]  # 1: [UNK]
            width = max(len(r) for r in rows)
            out["input_ids"] = torch.zeros(len(rows), width, dtype=torch.long)  # 0: [PAD]
            out["attention_mask"] = torch.zeros(len(rows), width, dtype=torch.long)
            for i, r in enumerate(rows):
                out["input_ids"][i, : len(r)] = torch.tensor(r)
                out["attention_mask"][i, : len(r)] = 1
        return out


class CLIPModel(nn.Module):
    def __init__(self, vocab_size):
        super().__init__()
        self.vocab_size = vocab_size
        self.vision = nn.Sequential(  # 224 -> 28 -> 14 -> 4x4x32
            nn.Conv2d(3, 16, kernel_size=8, stride=8), nn.ReLU(),
            nn.Conv2d(16, 32, kernel_size=3, stride=2, padding=1), nn.ReLU(),
            nn.AdaptiveAvgPool2d(4), nn.Flatten(), nn.Linear(32 * 16, DIM))
        self.embed = nn.Embedding(vocab_size, 64, padding_idx=0)
        self.text = nn.Linear(64, DIM)

    @classmethod
    def from_pretrained(cls, path):
        with open(os.path.join(path, MARKER), encoding="utf-8") as f:
            config = json.load(f)
        model = cls(config["vocab_size"])
        model.load_state_dict(torch.load(os.path.join(path, "model.pt"), map_location="cpu"))
        return model.eval()

    def get_image_features(self, pixel_values):
        return self.vision(pixel_values)

    def get_text_features(self, input_ids, attention_mask):
        mask = attention_mask.unsqueeze(-1).float()
        return self.text((self.embed(input_ids) * mask).sum(1) / mask.sum(1).clamp(min=1))


def train(out_dir, per_kind=24, steps=120, seed=0):
    torch.manual_seed(seed)
    rng = random.Random(seed + 1000)  # other drawings than make_images.py's default seed
    kinds = sorted(CAPTIONS)
    vocab = ["[PAD]", "[UNK]"] + sorted({w for cs in CAPTIONS.values() for c in cs for w in words(c)})
    processor = CLIPProcessor(vocab)
    images, image_kind = [], []
    for k, kind in enumerate(kinds):
        for _ in range(per_kind):
            images.append(DRAW[kind](rng))
            image_kind.append(k)
    pixels = processor(images=images)["pixel_values"]
    captions = [(c, k) for k, kind in enumerate(kinds) for c in CAPTIONS[kind]]
    text = processor(text=[c for c, _ in captions])
    caption_kind = torch.tensor([k for _, k in captions])
    positive = torch.tensor(image_kind).unsqueeze(1) == caption_kind.unsqueeze(0)  # [images, captions]
    model = CLIPModel(len(vocab))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    for step in range(steps):
        img = nn.functional.normalize(model.get_image_features(pixels), dim=-1)
        txt = nn.functional.normalize(model.get_text_features(**text), dim=-1)
        logits = 10 * img @ txt.T
        # every matching pair counts as right (several captions per kind): both directions, as CLIP's loss
        i2t = -(logits.log_softmax(1).masked_fill(~positive, -1e9).logsumexp(1)).mean()
        t2i = -(logits.T.log_softmax(1).masked_fill(~positive.T, -1e9).logsumexp(1)).mean()
        loss = (i2t + t2i) / 2
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    model.eval()
    with torch.no_grad():
        sim = nn.functional.normalize(model.get_image_features(pixels), dim=-1) @ nn.functional.normalize(
            model.get_text_features(**text), dim=-1).T
        accuracy = positive.gather(1, sim.argmax(1, keepdim=True)).float().mean().item()
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "vocab.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(vocab) + "\n")
    with open(os.path.join(out_dir, MARKER), "w", encoding="utf-8") as f:
        json.dump({"architectures": ["TinyClipStandIn"], "vocab_size": len(vocab), "projection_dim": DIM,
                   "note": "ailab stand-in for openai/clip-vit-base-patch32 (not the real model)"}, f, indent=2)
    torch.save(model.state_dict(), os.path.join(out_dir, "model.pt"))
    print(f"Stand-in model saved to {out_dir}: {len(images)} drawings, {len(captions)} captions, "
          f"loss {loss.item():.4f}, image-to-caption accuracy {accuracy:.3f}")


if __name__ == "__main__":
    train(sys.argv[1] if len(sys.argv) > 1 else "tiny-clip")
