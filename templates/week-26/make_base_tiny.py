"""stack=tiny, step 1: the base model. Pretrains the tiny GPT (all its weights) on reviews and saves it in
tiny-gpt2/, standing in for the course's pretrained distilgpt2 (which cannot be downloaded here). Its
reviews end in "Sentiment: positive" or "negative" at random: it learns the format, not which label a
review deserves; that is what the LoRA fine-tuning teaches."""
import argparse
import time

import torch

import tinylm

p = argparse.ArgumentParser()
p.add_argument("--steps", type=int, default=300)
p.add_argument("--out", default="tiny-gpt2")
args = p.parse_args()

torch.manual_seed(0)
model = tinylm.TinyGPT()
opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
texts = tinylm.reviews(4000, seed=1, labels="random")
start, step, first = time.time(), 0, None
while step < args.steps:
    for ids, labels in tinylm.batches(texts, 32, model.config["n_positions"], shuffle_seed=step):
        loss = model.loss(ids, labels)
        opt.zero_grad()
        loss.backward()
        opt.step()
        first = first if first is not None else loss.item()
        step += 1
        if step >= args.steps:
            break
tinylm.save_base(model, args.out)
n = sum(p.numel() for p in model.parameters())
print(f"Base model {args.out}: {n:,d} params, pretrained {step} steps in {time.time() - start:.1f}s, "
      f"loss {first:.3f} -> {loss.item():.3f}")
model.eval()
print("Base model says:", model.generate("Review: The movie was exciting and", 40))
print(f"Base model label accuracy on 200 held-out reviews: {tinylm.label_accuracy(model, tinylm.heldout(200)):.2f}")
