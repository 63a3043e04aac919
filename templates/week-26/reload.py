"""stack=hf, step 7: reload the adapters onto a fresh distilgpt2 and generate again."""
import os

import torch
from peft import PeftModel
from transformers import AutoModelForCausalLM, AutoTokenizer

MODEL_NAME = os.getenv("MODEL_NAME", "distilgpt2")
tokenizer = AutoTokenizer.from_pretrained("lora-finetuned")
base_model = AutoModelForCausalLM.from_pretrained(MODEL_NAME)
lora_model = PeftModel.from_pretrained(base_model, "lora-finetuned")
lora_model.to("cuda" if torch.cuda.is_available() else "cpu").eval()

prompt = "Review: The movie was exciting and"
inputs = tokenizer(prompt, return_tensors="pt").to(lora_model.device)
with torch.no_grad():
    outputs = lora_model.generate(**inputs, max_new_tokens=40, do_sample=False, pad_token_id=tokenizer.eos_token_id)
text = tokenizer.decode(outputs[0], skip_special_tokens=True)
with open("generation.txt") as f:
    saved = f.read().strip()
n = sum(1 for name, _ in lora_model.named_parameters() if "lora_" in name)
print(f"Reloaded {type(lora_model).__name__} from lora-finetuned: {n} adapter tensors on {type(base_model).__name__}")
print("Generation:", text)
print("matches the saved generation:", text == saved)
