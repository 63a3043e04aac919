# Course step 1 (fixed: the snippet had no file name; quick_test.py). Detects objects in an image and prints
# the boxes. fixed: show=True needs a display (and only warns with the headless OpenCV); the annotated image
# is saved instead, to runs/detect/quick_test/, where Ultralytics' save=True puts it too.
# fixed: the image is a local file (the course's URL download left bus.jpg in the folder by accident).
# Usage: python quick_test.py bus.jpg [--model yolov8n.pt]
import argparse
import os

import cv2

from detector import annotate, load, summary

p = argparse.ArgumentParser()
p.add_argument("image")
p.add_argument("--model", default=None, help="yolov8n.pt (Ultralytics) or yolov8n.onnx (OpenCV DNN)")
args = p.parse_args()

model = load(args.model)  # n = nano, fast & lightweight
img = cv2.imread(args.image)
if img is None:
    raise SystemExit("cannot read %s as an image" % args.image)
detections = model.detect(img)
h, w = img.shape[:2]
print("image 1/1 %s: %dx%d %s" % (args.image, w, h, summary(detections)))
for d in detections:
    print("  %-12s %.2f  xyxy=%s" % (d["class"], d["confidence"], [round(v, 1) for v in d["bbox"]]))
os.makedirs("runs/detect/quick_test", exist_ok=True)
out = os.path.join("runs/detect/quick_test", os.path.basename(args.image))
cv2.imwrite(out, annotate(img, detections))
print("Results saved to", out)
