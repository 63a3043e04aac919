# Week 29, step 2: embed every image of images/ and store them in a FAISS index (build_index.py). The course's
# code, with fixes (ailab):
# - fixed: os.listdir took every entry (.DS_Store, a sub-folder: PIL's UnidentifiedImageError) in no set order:
#   only .jpg/.jpeg/.png files, sorted; an empty folder stops with a message instead of numpy's error;
# - fixed: CLIP is trained for cosine similarity, and IndexFlatL2 on raw vectors ranks by their length too: the
#   vectors are normalised (faiss.normalize_L2) and searched by inner product (IndexFlatIP), i.e. by cosine.
import os, faiss, pickle
import numpy as np
from clip_model import embed_image

image_folder = "images"   # put your sample JPG/PNG images here
EXTENSIONS = (".jpg", ".jpeg", ".png")
image_paths = sorted(
    os.path.join(image_folder, f) for f in os.listdir(image_folder)
    if f.lower().endswith(EXTENSIONS) and not f.startswith(".") and os.path.isfile(os.path.join(image_folder, f))
)
if not image_paths:
    raise SystemExit(f"No .jpg/.jpeg/.png images in {image_folder}/: put some there first.")

embs, metadata = [], []
for path in image_paths:
    embs.append(embed_image(path))
    metadata.append(path)

embs = np.vstack(embs).astype("float32")
faiss.normalize_L2(embs)

index = faiss.IndexFlatIP(embs.shape[1])
index.add(embs)

with open("clip_index.pkl", "wb") as f:
    pickle.dump((index, metadata), f)

print(f"Indexed {len(metadata)} images.")
