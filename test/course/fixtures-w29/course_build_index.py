# The course's build_index.py (week 29, step 2), verbatim: a test fixture, not a lab template.
import os, faiss, pickle
from clip_model import embed_image

image_folder = "images"   # put your sample JPG/PNG images here
image_paths = [os.path.join(image_folder, f) for f in os.listdir(image_folder)]

embs, metadata = [], []
for path in image_paths:
    embs.append(embed_image(path))
    metadata.append(path)

import numpy as np
embs = np.vstack(embs).astype("float32")

index = faiss.IndexFlatL2(embs.shape[1])
index.add(embs)

with open("clip_index.pkl", "wb") as f:
    pickle.dump((index, metadata), f)

print(f"Indexed {len(metadata)} images.")
