# The course's code for lab 182 (Section 27, steps 1-7), verbatim, its snippets put one after another in
# the course's order (the course gives them no file name); only this header added.
from transformers import AutoModelForCausalLM, AutoTokenizer

MODEL_NAME = "distilgpt2"
tokenizer = AutoTokenizer.from_pretrained(MODEL_NAME)
model = AutoModelForCausalLM.from_pretrained(MODEL_NAME)

from datasets import load_dataset

dataset = load_dataset("sst2")
train_texts = [f"Review: {x['sentence']} Sentiment: {x['label']}" for x in dataset['train'][:2000]]

def tokenize(batch):
    return tokenizer(batch["text"], padding="max_length", truncation=True, max_length=64)

dataset = dataset["train"].select(range(2000)).map(lambda x: {"text": f"Review: {x['sentence']} Sentiment: {x['label']}"})
tokenized = dataset.map(lambda x: tokenizer(x["text"], truncation=True, padding="max_length", max_length=64), batched=True)
tokenized.set_format(type="torch", columns=["input_ids", "attention_mask"])

from peft import LoraConfig, get_peft_model, TaskType

lora_config = LoraConfig(
    task_type=TaskType.CAUSAL_LM,
    r=8,               # rank
    lora_alpha=16,     # scaling
    lora_dropout=0.1
)

model = get_peft_model(model, lora_config)
model.print_trainable_parameters()

from transformers import Trainer, TrainingArguments

training_args = TrainingArguments(
    output_dir="outputs",
    per_device_train_batch_size=8,
    num_train_epochs=2,
    logging_steps=10,
    save_strategy="epoch",
    evaluation_strategy="no",
    learning_rate=2e-4,
    fp16=True
)

trainer = Trainer(
    model=model,
    args=training_args,
    train_dataset=tokenized,
    tokenizer=tokenizer
)

trainer.train()

prompt = "Review: The movie was exciting and"
inputs = tokenizer(prompt, return_tensors="pt")
outputs = model.generate(**inputs, max_length=50)
print(tokenizer.decode(outputs[0], skip_special_tokens=True))

model.save_pretrained("lora-finetuned")
tokenizer.save_pretrained("lora-finetuned")

from peft import PeftModel
base_model = AutoModelForCausalLM.from_pretrained(MODEL_NAME)
lora_model = PeftModel.from_pretrained(base_model, "lora-finetuned")
