"""LoRA in plain PyTorch on a tiny GPT-2-shaped model (stack=tiny: no transformers, peft or downloads).

What peft does for the course's distilgpt2, written out: freeze the base model, wrap each attention
projection `c_attn` (a Linear, as GPT-2 names it) in a LoRALinear that adds a trainable low-rank update
B @ A scaled by lora_alpha / r, train only A and B, and save just them (adapter_model.safetensors, with
peft's key names, and peft's adapter_config.json). The base model is a character-level GPT (2 layers,
64 wide) that make_base_tiny.py pretrains here on review text, standing in for distilgpt2.
"""
import json
import math
import os
import random
import struct

import torch
import torch.nn as nn
import torch.nn.functional as F

# --- tokenizer: one token per character, plus an end-of-text token (GPT-2's <|endoftext|> role) ------
CHARS = "\n !\"'(),-.:;?0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
EOS = len(CHARS)
VOCAB = len(CHARS) + 1
_INDEX = {c: i for i, c in enumerate(CHARS)}


def encode(text):
    return [_INDEX[c] for c in text if c in _INDEX]


def decode(ids):
    return "".join(CHARS[i] for i in ids if i < len(CHARS))


# --- the toy dataset: short movie reviews, "positive"/"negative" words as labels ------------------------
SUBJECTS = ["The movie", "The film", "The story", "The acting", "The ending", "The plot", "The soundtrack"]
GOOD = ["exciting", "wonderful", "moving", "brilliant", "funny", "charming", "beautiful", "gripping"]
BAD = ["boring", "dull", "predictable", "clumsy", "tedious", "awful", "flat", "confusing"]


def reviews(n, seed=0, labels="true"):
    """n reviews; labels="true": "Sentiment: positive|negative" as the adjectives say, "random": a coin
    flip (the base model learns the format, not the meaning)."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        good = rng.random() < 0.5
        a, b = rng.sample(GOOD if good else BAD, 2)
        text = f"Review: {rng.choice(SUBJECTS)} was {a} and {b}."
        if labels == "random":
            good = rng.random() < 0.5
        out.append(text + f" Sentiment: {'positive' if good else 'negative'}")
    return out


def heldout(n, seed=99):
    """(review, true label) pairs the model never trained on (another seed)."""
    rng = random.Random(seed)
    pairs = []
    for _ in range(n):
        good = rng.random() < 0.5
        a, b = rng.sample(GOOD if good else BAD, 2)
        pairs.append((f"Review: {rng.choice(SUBJECTS)} was {a} and {b}.", "positive" if good else "negative"))
    return pairs


@torch.no_grad()
def label_accuracy(model, pairs):
    """The evaluation: the share of held-out reviews for which " positive" or " negative", whichever is
    right, is the more likely continuation of "<review> Sentiment:" (summed log-probabilities)."""
    device = next(model.parameters()).device
    right = 0
    for review, label in pairs:
        scores = {}
        for word in ("positive", "negative"):
            prefix, ids = encode(review + " Sentiment:"), encode(" " + word)
            logp = model(torch.tensor([prefix + ids], device=device))[0].log_softmax(-1)
            scores[word] = sum(logp[len(prefix) - 1 + i, t].item() for i, t in enumerate(ids))
        right += max(scores, key=scores.get) == label
    return right / len(pairs)


# --- the model: GPT-2's layout and names (wte, wpe, h.N.attn.c_attn, c_proj, mlp.c_fc, ln_f) ---------
class Attention(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.heads = heads
        self.c_attn = nn.Linear(d, 3 * d)
        self.c_proj = nn.Linear(d, d)

    def forward(self, x):
        b, t, d = x.shape
        q, k, v = self.c_attn(x).split(d, dim=2)
        q, k, v = (z.view(b, t, self.heads, d // self.heads).transpose(1, 2) for z in (q, k, v))
        att = (q @ k.transpose(-2, -1)) / math.sqrt(d // self.heads)
        mask = torch.ones(t, t, dtype=torch.bool, device=x.device).tril()
        att = att.masked_fill(~mask, float("-inf")).softmax(dim=-1)
        return self.c_proj((att @ v).transpose(1, 2).reshape(b, t, d))


class Block(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.ln_1, self.ln_2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.attn = Attention(d, heads)
        self.mlp = nn.Sequential()
        self.mlp.add_module("c_fc", nn.Linear(d, 4 * d))
        self.mlp.add_module("act", nn.GELU())
        self.mlp.add_module("c_proj", nn.Linear(4 * d, d))

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class TinyGPT(nn.Module):
    def __init__(self, n_layer=2, n_embd=64, n_head=4, n_positions=96, vocab_size=VOCAB):
        super().__init__()
        self.config = dict(model_type="tiny-gpt2", n_layer=n_layer, n_embd=n_embd, n_head=n_head,
                           n_positions=n_positions, vocab_size=vocab_size, eos_token_id=EOS)
        self.transformer = nn.Module()
        self.transformer.wte = nn.Embedding(vocab_size, n_embd)
        self.transformer.wpe = nn.Embedding(n_positions, n_embd)
        self.transformer.h = nn.ModuleList(Block(n_embd, n_head) for _ in range(n_layer))
        self.transformer.ln_f = nn.LayerNorm(n_embd)

    def forward(self, ids):
        t = ids.shape[1]
        pos = torch.arange(t, device=ids.device)
        x = self.transformer.wte(ids) + self.transformer.wpe(pos)
        for block in self.transformer.h:
            x = block(x)
        return self.transformer.ln_f(x) @ self.transformer.wte.weight.T  # tied head, as GPT-2

    def loss(self, ids, labels):
        logits = self(ids)
        return F.cross_entropy(logits[:, :-1].reshape(-1, logits.shape[-1]), labels[:, 1:].reshape(-1),
                               ignore_index=-100)

    @torch.no_grad()
    def generate(self, prompt, max_new_tokens=40):
        """Greedy decoding (the course's generate() default), stopping at end-of-text."""
        ids = torch.tensor([encode(prompt)], device=next(self.parameters()).device)
        for _ in range(max_new_tokens):
            nxt = self(ids[:, -self.config["n_positions"]:])[0, -1].argmax()
            if nxt.item() == EOS:
                break
            ids = torch.cat([ids, nxt.view(1, 1)], dim=1)
        return decode(ids[0].tolist())


def batches(texts, batch_size, block, shuffle_seed=None):
    """Pad with end-of-text (the fix for GPT-2's missing pad token) and label padding -100 (the collator's job)."""
    order = list(range(len(texts)))
    if shuffle_seed is not None:
        random.Random(shuffle_seed).shuffle(order)
    for start in range(0, len(order), batch_size):
        rows = [encode(texts[i])[: block - 1] + [EOS] for i in order[start : start + batch_size]]
        width = max(map(len, rows))
        ids = torch.full((len(rows), width), EOS, dtype=torch.long)
        labels = torch.full((len(rows), width), -100, dtype=torch.long)
        for r, row in enumerate(rows):
            ids[r, : len(row)] = torch.tensor(row)
            labels[r, : len(row)] = torch.tensor(row)
        yield ids, labels


# --- LoRA ---------------------------------------------------------------------------------------------
class LoRALinear(nn.Module):
    """y = W x + b + (alpha / r) * B A dropout(x); W and b frozen, A (r x in) and B (out x r) trained.
    B starts at zero, so the wrapped model starts exactly as the base model."""

    def __init__(self, base, r, alpha, dropout):
        super().__init__()
        self.base_layer = base
        self.lora_A = nn.Linear(base.in_features, r, bias=False)
        self.lora_B = nn.Linear(r, base.out_features, bias=False)
        nn.init.kaiming_uniform_(self.lora_A.weight, a=math.sqrt(5))
        nn.init.zeros_(self.lora_B.weight)
        self.lora_dropout = nn.Dropout(dropout)
        self.scaling = alpha / r

    def forward(self, x):
        return self.base_layer(x) + self.lora_B(self.lora_A(self.lora_dropout(x))) * self.scaling


def apply_lora(model, r=8, alpha=16, dropout=0.1, target_modules=("c_attn",)):
    """peft's get_peft_model for these modules: freeze everything, wrap the targets."""
    for p in model.parameters():
        p.requires_grad = False
    for name, module in list(model.named_modules()):
        for child_name, child in list(module.named_children()):
            if child_name in target_modules and isinstance(child, nn.Linear):
                setattr(module, child_name, LoRALinear(child, r, alpha, dropout))
    return model


def print_trainable_parameters(model):
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    total = sum(p.numel() for p in model.parameters())
    print(f"trainable params: {trainable:,d} || all params: {total:,d} || trainable%: {100 * trainable / total:.4f}")
    return trainable, total


def lora_state_dict(model):
    """The adapter weights under peft's key names (base_model.model.<module>.lora_A.weight)."""
    return {f"base_model.model.{k}": v.detach().cpu().contiguous() for k, v in model.state_dict().items()
            if ".lora_A." in k or ".lora_B." in k}


# --- safetensors, the file format peft saves adapters in (written here without the package) ------------
_DTYPES = {torch.float32: ("F32", "<f4")}


def save_safetensors(tensors, path, metadata=None):
    header, offset, blobs = {}, 0, []
    for name in sorted(tensors):
        t = tensors[name].to(torch.float32).contiguous()
        blob = t.numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(blob)]}
        offset += len(blob)
        blobs.append(blob)
    header["__metadata__"] = metadata or {"format": "pt"}
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * (-len(raw) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)) + raw + b"".join(blobs))


def load_safetensors(path):
    import numpy as np

    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        data = f.read()
    header.pop("__metadata__", None)
    out = {}
    for name, info in header.items():
        if info["dtype"] != "F32":
            raise ValueError(f"{name}: dtype {info['dtype']} not supported here")
        a, b = info["data_offsets"]
        out[name] = torch.from_numpy(np.frombuffer(data[a:b], dtype="<f4").copy()).reshape(info["shape"])
    return out


def save_base(model, folder):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(model.config, f, indent=2)
    save_safetensors({k: v for k, v in model.state_dict().items()}, os.path.join(folder, "model.safetensors"))


def load_base(folder):
    with open(os.path.join(folder, "config.json")) as f:
        config = json.load(f)
    model = TinyGPT(**{k: config[k] for k in ("n_layer", "n_embd", "n_head", "n_positions", "vocab_size")})
    model.load_state_dict(load_safetensors(os.path.join(folder, "model.safetensors")))
    return model.eval()


def save_tokenizer(folder):
    with open(os.path.join(folder, "tokenizer_config.json"), "w") as f:
        json.dump({"tokenizer_class": "CharTokenizer", "chars": CHARS, "eos_token_id": EOS,
                   "pad_token_id": EOS, "model_max_length": 96}, f, indent=2)
