"""stack=tiny, step 7: reload the adapters onto a fresh base model and generate again."""
import json

import torch

import tinylm

with open("lora-finetuned/adapter_config.json") as f:
    config = json.load(f)
base = tinylm.load_base(config["base_model_name_or_path"])
model = tinylm.apply_lora(base, r=config["r"], alpha=config["lora_alpha"], dropout=config["lora_dropout"],
                          target_modules=config["target_modules"])
weights = {k[len("base_model.model."):]: v for k, v in tinylm.load_safetensors("lora-finetuned/adapter_model.safetensors").items()}
missing, unexpected = model.load_state_dict(weights, strict=False)
lora_missing = [k for k in missing if ".lora_" in k]
if lora_missing or unexpected:
    raise SystemExit(f"the adapters do not fit the base model: missing {lora_missing}, unexpected {unexpected}")
model.eval()
prompt = "Review: The movie was exciting and"
text = model.generate(prompt, 40)
with open("generation.txt") as f:
    saved = f.read().strip()
print(f"Reloaded LoraModel from lora-finetuned: {len(weights)} adapter tensors on {type(base).__name__}")
print("Generation:", text)
print("matches the saved generation:", text == saved)
