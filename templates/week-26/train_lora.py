"""stack=hf: the course's steps 1-7 in one script (the course gave unnamed snippets), with its fixes."""
import json
import os

import torch
from datasets import load_dataset
from peft import LoraConfig, TaskType, get_peft_model
from transformers import (
    AutoModelForCausalLM,
    AutoTokenizer,
    DataCollatorForLanguageModeling,
    Trainer,
    TrainingArguments,
)

MODEL_NAME = os.getenv("MODEL_NAME", "distilgpt2")
SAMPLES = int(os.getenv("SAMPLES", "2000"))
LEARNING_RATE = float(os.getenv("LEARNING_RATE", "2e-4"))
PROMPT = "Review: The movie was exciting and"
LABELS = {0: "negative", 1: "positive"}  # fixed: "Sentiment: 1" means nothing to a language model

# 1) Load a base model
tokenizer = AutoTokenizer.from_pretrained(MODEL_NAME)
tokenizer.pad_token = tokenizer.eos_token  # fixed: GPT-2 has no pad token; padding="max_length" raised
model = AutoModelForCausalLM.from_pretrained(MODEL_NAME)

# 2) Load a toy dataset
# fixed: "sst2" was a legacy canonical name; the dataset lives at stanfordnlp/sst2. The course's
# train_texts line (iterating the column names of a dict) raised TypeError and was never used: removed.
dataset = load_dataset("stanfordnlp/sst2")
train = dataset["train"].select(range(SAMPLES)).map(
    lambda x: {"text": f"Review: {x['sentence'].strip()} Sentiment: {LABELS[x['label']]}"}
)
tokenized = train.map(
    lambda x: tokenizer(x["text"], truncation=True, padding="max_length", max_length=64),
    batched=True,
    remove_columns=train.column_names,
)
tokenized.set_format(type="torch", columns=["input_ids", "attention_mask"])

# 3) Apply LoRA with PEFT
lora_config = LoraConfig(
    task_type=TaskType.CAUSAL_LM,
    r=8,  # rank
    lora_alpha=16,  # scaling
    lora_dropout=0.1,
)
model = get_peft_model(model, lora_config)
# About 147k trainable parameters (0.18%) for distilgpt2, not "a few million" as the course says.
model.print_trainable_parameters()


# Evaluation (a learning goal the course left without code): on held-out validation reviews, is the right
# label the more likely continuation of "Review: ... Sentiment:"?
@torch.no_grad()
def label_accuracy(m, rows):
    m.eval()
    ids = {w: tokenizer(" " + w)["input_ids"][0] for w in LABELS.values()}
    right = 0
    for row in rows:
        enc = tokenizer(f"Review: {row['sentence'].strip()} Sentiment:", return_tensors="pt").to(m.device)
        logits = m(**enc).logits[0, -1]
        guess = max(LABELS.values(), key=lambda w: logits[ids[w]].item())
        right += guess == LABELS[row["label"]]
    return right / len(rows)


heldout = dataset["validation"].select(range(200))
with model.disable_adapter():
    base_accuracy = label_accuracy(model, heldout)

# 4) Training setup
training_args = TrainingArguments(
    output_dir="outputs",
    per_device_train_batch_size=8,
    num_train_epochs=2,
    logging_steps=10,
    save_strategy="epoch",
    eval_strategy="no",  # fixed: evaluation_strategy was renamed (transformers 4.41) and then removed
    learning_rate=LEARNING_RATE,
    fp16=torch.cuda.is_available(),  # fixed: fp16=True stops the run on a machine without a CUDA GPU
    report_to="none",
)

trainer = Trainer(
    model=model,
    args=training_args,
    train_dataset=tokenized,
    # fixed: without labels the model returned no loss; the collator copies input_ids to labels (padding -100)
    data_collator=DataCollatorForLanguageModeling(tokenizer, mlm=False),
    processing_class=tokenizer,  # fixed: Trainer(tokenizer=...) is deprecated (4.46) and removed in v5
)

# 5) Train the Model
result = trainer.train()
print(result.metrics)
accuracy = label_accuracy(model, heldout)
print(f"Label accuracy on {len(heldout)} held-out reviews: base model {base_accuracy:.2f}, fine-tuned {accuracy:.2f}")
with open("outputs/eval.json", "w") as f:
    json.dump({"heldout": len(heldout), "base_accuracy": base_accuracy, "accuracy": accuracy}, f, indent=2)
with open("outputs/train_info.json", "w") as f:
    json.dump({**result.metrics, "stack": "hf", "device": str(model.device.type), "fp16": training_args.fp16,
               "base_model": MODEL_NAME}, f, indent=2)

# 6) Generate with the Fine-Tuned Model
model.eval()
inputs = tokenizer(PROMPT, return_tensors="pt").to(model.device)  # fixed: the inputs on the model's device
outputs = model.generate(**inputs, max_new_tokens=40, do_sample=False, pad_token_id=tokenizer.eos_token_id)
text = tokenizer.decode(outputs[0], skip_special_tokens=True)
print("=== Generation ===")
print(text)
with open("generation.txt", "w") as f:
    f.write(text + "\n")

# 7) Save & Reload Adapters (reload: reload.py)
model.save_pretrained("lora-finetuned")
tokenizer.save_pretrained("lora-finetuned")
print("Saved the LoRA adapters to lora-finetuned/")
