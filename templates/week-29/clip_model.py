# Week 29, step 1: load CLIP (clip_model.py). The course's code, with fixes (ailab):
# - fixed: transformers 5 returns a BaseModelOutputWithPooling from get_image_features/get_text_features, and
#   the course's emb.cpu() fails ("'BaseModelOutputWithPooling' object has no attribute 'cpu'"): the tensor is
#   taken from it (requirements.txt also pins transformers below 5);
# - CLIP_MODEL picks another checkpoint or a local folder (default: the course's openai/clip-vit-base-patch32).
import os

import torch
from PIL import Image

MODEL_NAME = os.environ.get("CLIP_MODEL", "openai/clip-vit-base-patch32")
device = "cuda" if torch.cuda.is_available() else "cpu"

if os.path.isfile(os.path.join(MODEL_NAME, "tiny_clip.json")):
    # Not the course's model: ailab's stand-in (tiny_clip.py, the same API) for a machine without transformers
    # or the Hugging Face Hub. Only when CLIP_MODEL names a folder that tiny_clip.py wrote.
    from tiny_clip import CLIPModel, CLIPProcessor
else:
    from transformers import CLIPModel, CLIPProcessor

model = CLIPModel.from_pretrained(MODEL_NAME).to(device)
model.eval()
processor = CLIPProcessor.from_pretrained(MODEL_NAME)


def as_tensor(out):
    # fixed: a tensor (transformers 4) or an output object whose pooler_output is the embedding (transformers 5)
    return out if isinstance(out, torch.Tensor) else out.pooler_output


def embed_image(image_path: str):
    img = Image.open(image_path).convert("RGB")
    inputs = processor(images=img, return_tensors="pt").to(device)
    with torch.no_grad():
        emb = as_tensor(model.get_image_features(**inputs))
    return emb.cpu().numpy()


def embed_text(query: str):
    inputs = processor(text=[query], return_tensors="pt", padding=True).to(device)
    with torch.no_grad():
        emb = as_tensor(model.get_text_features(**inputs))
    return emb.cpu().numpy()
