# Week 28, step 1: load the pretrained sentiment model (model.py). The course's code, with fixes (ailab):
# - fixed: the canonical Hub id distilbert/distilbert-base-uncased-finetuned-sst-2-english (the lab says BERT;
#   the model is DistilBERT); BERT_MODEL picks another checkpoint or a local folder (the multilingual stretch goal);
# - fixed: the labels come from the checkpoint's config.id2label (NEGATIVE, POSITIVE), not a hard-coded list
#   that silently swaps with a checkpoint whose classes are in another order;
# - step 5's predict_batch is here, and predict is the batch of one (the same answer either way).
import os

import torch

MODEL_NAME = os.environ.get("BERT_MODEL", "distilbert/distilbert-base-uncased-finetuned-sst-2-english")

if os.path.isfile(os.path.join(MODEL_NAME, "tiny_bert.json")):
    # Not the course's model: ailab's stand-in (tiny_bert.py, the same API) for a machine without transformers
    # or the Hugging Face Hub. Only when BERT_MODEL names a folder that tiny_bert.py wrote.
    from tiny_bert import AutoModelForSequenceClassification, AutoTokenizer
else:
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

tokenizer = AutoTokenizer.from_pretrained(MODEL_NAME)
model = AutoModelForSequenceClassification.from_pretrained(MODEL_NAME)
model.eval()

# fixed: was labels = ["negative", "positive"]
labels = [model.config.id2label[i].lower() for i in range(len(model.config.id2label))]


def predict_batch(texts):
    inputs = tokenizer(list(texts), return_tensors="pt", truncation=True, padding=True)
    with torch.no_grad():
        outputs = model(**inputs)
        probs = torch.nn.functional.softmax(outputs.logits, dim=-1)
    return [{labels[i]: float(p[i]) for i in range(len(labels))} for p in probs]


def predict(text: str):
    return predict_batch([text])[0]
