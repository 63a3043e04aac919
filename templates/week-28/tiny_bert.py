# Week 28: a STAND-IN for the course's model, not the course's code (ailab). transformers and the Hugging Face
# Hub are out of reach on some machines (CI: no PyPI, no Hub, transformers is not in Debian), so this file gives
# model.py the same API with a tiny model built in torch:
#   tokenizer(texts, return_tensors="pt", truncation=True, padding=True) -> {"input_ids", "attention_mask"} [B, L]
#   model(**inputs).logits -> [B, 2];  model.config.id2label -> {0: "NEGATIVE", 1: "POSITIVE"}
# `python tiny_bert.py tiny-sst2 [NEGATIVE,POSITIVE]` trains it (a few seconds on a CPU) on sentences made from a small sentiment
# lexicon and saves it as a folder, as from_pretrained expects; model.py loads it when BERT_MODEL names that
# folder. It knows only its lexicon: it shows the service working end to end, not what DistilBERT learned.
import json
import os
import re
import sys
from types import SimpleNamespace

import torch
from torch import nn

MARKER = "tiny_bert.json"  # the folder's config; model.py looks for it
SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]"]
MAX_LENGTH = 64

POSITIVE = ["enjoyed", "loved", "liked", "adored", "great", "excellent", "wonderful", "amazing", "fantastic",
            "brilliant", "good", "delightful", "beautiful", "fun", "superb", "moving", "best", "perfect"]
NEGATIVE = ["hated", "disliked", "despised", "terrible", "boring", "awful", "bad", "horrible", "dull",
            "worst", "disappointing", "poor", "waste", "painful", "stupid", "mediocre", "annoying", "weak"]
VERBS = {"enjoyed", "loved", "liked", "adored", "hated", "disliked", "despised"}
NOUNS = ["movie", "film", "story", "acting", "plot", "show", "ending", "cast", "music", "book"]


def words(text):
    return re.findall(r"[a-z0-9']+|[^\sa-z0-9]", text.lower())


class AutoTokenizer:
    def __init__(self, vocab):
        self.vocab = {w: i for i, w in enumerate(vocab)}

    @classmethod
    def from_pretrained(cls, path):
        with open(os.path.join(path, "vocab.txt"), encoding="utf-8") as f:
            return cls(f.read().splitlines())

    def __call__(self, texts, return_tensors="pt", truncation=True, padding=True, max_length=MAX_LENGTH):
        if isinstance(texts, str):
            texts = [texts]
        unk = self.vocab["[UNK]"]
        rows = []
        for text in texts:
            ids = [self.vocab.get(w, unk) for w in words(text)]
            if truncation:
                ids = ids[: max_length - 2]
            rows.append([self.vocab["[CLS]"], *ids, self.vocab["[SEP]"]])
        width = max(len(r) for r in rows)
        input_ids = torch.zeros(len(rows), width, dtype=torch.long)
        attention_mask = torch.zeros(len(rows), width, dtype=torch.long)
        for i, r in enumerate(rows):
            input_ids[i, : len(r)] = torch.tensor(r)
            attention_mask[i, : len(r)] = 1
        return {"input_ids": input_ids, "attention_mask": attention_mask}


class AutoModelForSequenceClassification(nn.Module):
    """Token and position embeddings, one transformer encoder layer, masked mean pooling, a linear head."""

    def __init__(self, config):
        super().__init__()
        self.config = config
        dim = config.dim
        self.embed = nn.Embedding(config.vocab_size, dim, padding_idx=0)
        self.position = nn.Embedding(MAX_LENGTH, dim)
        self.encoder = nn.TransformerEncoderLayer(dim, nhead=2, dim_feedforward=2 * dim, dropout=0.0,
                                                  batch_first=True)
        self.classifier = nn.Linear(dim, len(config.id2label))

    @classmethod
    def from_pretrained(cls, path):
        with open(os.path.join(path, MARKER), encoding="utf-8") as f:
            raw = json.load(f)
        raw["id2label"] = {int(k): v for k, v in raw["id2label"].items()}
        model = cls(SimpleNamespace(**raw))
        model.load_state_dict(torch.load(os.path.join(path, "model.pt"), map_location="cpu"))
        return model.eval()

    def forward(self, input_ids, attention_mask):
        positions = torch.arange(input_ids.shape[1]).unsqueeze(0)
        x = self.embed(input_ids) + self.position(positions)
        x = self.encoder(x, src_key_padding_mask=attention_mask == 0)
        mask = attention_mask.unsqueeze(-1).float()
        pooled = (x * mask).sum(1) / mask.sum(1).clamp(min=1)
        return SimpleNamespace(logits=self.classifier(pooled))


def sentences():
    """(text, label) pairs, the label a name."""
    out = []
    for label, lexicon in (("POSITIVE", POSITIVE), ("NEGATIVE", NEGATIVE)):
        for i, w in enumerate(lexicon):
            other = lexicon[(i + 5) % len(lexicon)]
            noun = NOUNS[i % len(NOUNS)]
            if w in VERBS:
                out += [(f"I really {w} this {noun}", label), (f"we {w} the {noun}", label), (f"I {w} it", label)]
            else:
                out += [(f"this {noun} was {w}", label), (f"the {noun} is {w} and {other}", label),
                        (f"what a {w} {noun}", label), (f"{w}", label), (f"this movie was {w} and {other}", label)]
    return out


def train(out_dir, order=("NEGATIVE", "POSITIVE"), steps=150, seed=0):
    """order: the class names by index, as the checkpoint's config.id2label (SST-2's is NEGATIVE, POSITIVE)."""
    torch.manual_seed(seed)
    data = sentences()
    vocab = SPECIALS + sorted({w for text, _ in data for w in words(text)})
    config = {"architectures": ["TinyBertStandIn"], "vocab_size": len(vocab), "dim": 32,
              "id2label": {str(i): name for i, name in enumerate(order)},
              "label2id": {name: i for i, name in enumerate(order)},
              "note": "ailab stand-in for distilbert-base-uncased-finetuned-sst-2-english (not the real model)"}
    tokenizer = AutoTokenizer(vocab)
    model = AutoModelForSequenceClassification(
        SimpleNamespace(**{**config, "id2label": dict(enumerate(order))}))
    inputs = tokenizer([t for t, _ in data])
    labels = torch.tensor([order.index(name) for _, name in data])
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    for step in range(steps):
        loss = nn.functional.cross_entropy(model(**inputs).logits, labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    model.eval()
    with torch.no_grad():
        accuracy = (model(**inputs).logits.argmax(-1) == labels).float().mean().item()
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "vocab.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(vocab) + "\n")
    with open(os.path.join(out_dir, MARKER), "w", encoding="utf-8") as f:
        json.dump(config, f, indent=2)
    torch.save(model.state_dict(), os.path.join(out_dir, "model.pt"))
    print(f"Stand-in model saved to {out_dir}: {len(data)} sentences, {len(vocab)} words, "
          f"loss {loss.item():.4f}, accuracy {accuracy:.3f}")


if __name__ == "__main__":
    train(sys.argv[1] if len(sys.argv) > 1 else "tiny-sst2",
          tuple(sys.argv[2].split(",")) if len(sys.argv) > 2 else ("NEGATIVE", "POSITIVE"))
