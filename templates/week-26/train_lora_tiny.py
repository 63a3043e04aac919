"""stack=tiny: the course's steps 1-7 on the tiny GPT, with LoRA written in PyTorch (tinylm.py).

The same settings and the same files as train_lora.py: r=8, lora_alpha=16, lora_dropout=0.1 on c_attn,
2000 samples, batch 8, 2 epochs, a log every 10 steps, a checkpoint per epoch (outputs/checkpoint-N/ with
trainer_state.json as transformers' Trainer writes it), the generation, and the adapters in
lora-finetuned/ (adapter_config.json and adapter_model.safetensors as peft writes them)."""
import argparse
import json
import math
import os
import time

import torch

import tinylm

p = argparse.ArgumentParser()
p.add_argument("--base", default="tiny-gpt2")
p.add_argument("--samples", type=int, default=2000)
p.add_argument("--epochs", type=int, default=2)
p.add_argument("--batch-size", type=int, default=8)
p.add_argument("--learning-rate", type=float, default=1e-2)  # a tiny model takes a larger step than 2e-4
p.add_argument("--max-new-tokens", type=int, default=40)
args = p.parse_args()

R, ALPHA, DROPOUT, TARGETS = 8, 16, 0.1, ["c_attn"]
PROMPT = "Review: The movie was exciting and"
device = "cuda" if torch.cuda.is_available() else "cpu"  # fixed: the course's fp16=True needs a GPU
torch.manual_seed(42)

# 1) the base model  2) the dataset (labels as words: "Sentiment: positive", not "Sentiment: 1")
model = tinylm.load_base(args.base)
print("Before fine-tuning:", model.generate(PROMPT, args.max_new_tokens))
texts = tinylm.reviews(args.samples, seed=2)
test_pairs = tinylm.heldout(200)
base_accuracy = tinylm.label_accuracy(model, test_pairs)

# 3) LoRA
model = tinylm.apply_lora(model, r=R, alpha=ALPHA, dropout=DROPOUT, target_modules=TARGETS).to(device)
trainable, total = tinylm.print_trainable_parameters(model)


def save_adapter(folder):
    os.makedirs(folder, exist_ok=True)
    tinylm.save_safetensors(tinylm.lora_state_dict(model), os.path.join(folder, "adapter_model.safetensors"))
    config = {"peft_type": "LORA", "task_type": "CAUSAL_LM", "r": R, "lora_alpha": ALPHA,
              "lora_dropout": DROPOUT, "target_modules": TARGETS, "bias": "none", "fan_in_fan_out": False,
              "base_model_name_or_path": args.base, "inference_mode": True}
    with open(os.path.join(folder, "adapter_config.json"), "w") as f:
        json.dump(config, f, indent=2)


# 4) training setup: AdamW with a linear decay, as the Trainer's defaults
params = [p for p in model.parameters() if p.requires_grad]
opt = torch.optim.AdamW(params, lr=args.learning_rate, weight_decay=0.0)
steps_per_epoch = math.ceil(len(texts) / args.batch_size)
max_steps = steps_per_epoch * args.epochs
sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 1 - s / max_steps)
state = {"log_history": [], "global_step": 0, "epoch": 0.0, "max_steps": max_steps, "logging_steps": 10,
         "num_train_epochs": args.epochs, "train_batch_size": args.batch_size, "save_steps": 500,
         "is_local_process_zero": True, "is_world_process_zero": True}

# 5) train
model.train()
start, window = time.time(), []
for epoch in range(args.epochs):
    for ids, labels in tinylm.batches(texts, args.batch_size, model.config["n_positions"], shuffle_seed=epoch):
        loss = model.loss(ids.to(device), labels.to(device))
        opt.zero_grad()
        loss.backward()
        grad_norm = torch.nn.utils.clip_grad_norm_(params, 1.0).item()
        opt.step()
        sched.step()
        state["global_step"] += 1
        window.append(loss.item())
        if state["global_step"] % 10 == 0:
            entry = {"loss": round(sum(window) / len(window), 4), "grad_norm": round(grad_norm, 4),
                     "learning_rate": sched.get_last_lr()[0], "epoch": round(state["global_step"] / steps_per_epoch, 2),
                     "step": state["global_step"]}
            state["log_history"].append(entry)
            print(entry, flush=True)
            window = []
    state["epoch"] = float(epoch + 1)
    folder = f"outputs/checkpoint-{state['global_step']}"
    save_adapter(folder)
    with open(os.path.join(folder, "trainer_state.json"), "w") as f:
        json.dump(state, f, indent=2)
runtime = time.time() - start
losses = [e["loss"] for e in state["log_history"]]
summary = {"train_runtime": round(runtime, 4), "train_samples_per_second": round(len(texts) * args.epochs / runtime, 3),
           "train_steps_per_second": round(max_steps / runtime, 3), "train_loss": sum(losses) / len(losses),
           "epoch": float(args.epochs)}
print(summary)
with open("outputs/train_info.json", "w") as f:
    json.dump({**summary, "stack": "tiny", "device": device, "fp16": False, "base_model": args.base,
               "trainable_params": trainable, "all_params": total}, f, indent=2)

# 6) generate (greedy), on the device the model is on
model.eval()
text = model.generate(PROMPT, args.max_new_tokens)
accuracy = tinylm.label_accuracy(model, test_pairs)
print(f"Label accuracy on 200 held-out reviews: base model {base_accuracy:.2f}, fine-tuned {accuracy:.2f}")
with open("outputs/eval.json", "w") as f:
    json.dump({"heldout": len(test_pairs), "base_accuracy": base_accuracy, "accuracy": accuracy}, f, indent=2)
print("=== Generation ===")
print(text)
with open("generation.txt", "w") as f:
    f.write(text + "\n")

# 7) save the adapters and the tokenizer
save_adapter("lora-finetuned")
tinylm.save_tokenizer("lora-finetuned")
print("Saved the LoRA adapters to lora-finetuned/")
