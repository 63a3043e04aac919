# Week 14, step 5: send an image to POST /predict (scripts/client.py). The course's client, with fixes (ailab):
# - fixed: the content type comes from the file name (the course sent image/jpeg for a PNG too);
# - fixed: the URL can be changed with API_URL (another port, a container), and an error answer
#   makes the script exit 1 instead of printing it as if it were a result.
import mimetypes
import os
import sys

import requests

url = os.getenv("API_URL", "http://localhost:8000/predict")
img_path = sys.argv[1]
content_type = mimetypes.guess_type(img_path)[0] or "application/octet-stream"

with open(img_path, "rb") as f:
    files = {"image": (os.path.basename(img_path), f, content_type)}
    r = requests.post(url, files=files, params={"top_k": 5}, timeout=60)
    print(r.json())
    sys.exit(0 if r.ok else 1)
