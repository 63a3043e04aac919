# One detector API for the lab's scripts (quick_test.py, webcam.py, server.py, app.py), with two engines:
#   - a .pt file: Ultralytics' YOLO, as the course does (YOLO("yolov8n.pt"), downloaded on first use);
#   - a .onnx file: the same network exported (`yolo export model=yolov8n.pt format=onnx opset=12`) and run
#     with OpenCV's DNN module: no PyTorch or Ultralytics needed where it runs (the stretch goals' edge path).
# Both return [{"class": name, "confidence": float, "bbox": [x1, y1, x2, y2]}] in the image's pixels.
import os

import cv2
import numpy as np

COCO80 = [
    "person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck", "boat", "traffic light",
    "fire hydrant", "stop sign", "parking meter", "bench", "bird", "cat", "dog", "horse", "sheep", "cow",
    "elephant", "bear", "zebra", "giraffe", "backpack", "umbrella", "handbag", "tie", "suitcase", "frisbee",
    "skis", "snowboard", "sports ball", "kite", "baseball bat", "baseball glove", "skateboard", "surfboard",
    "tennis racket", "bottle", "wine glass", "cup", "fork", "knife", "spoon", "bowl", "banana", "apple",
    "sandwich", "orange", "broccoli", "carrot", "hot dog", "pizza", "donut", "cake", "chair", "couch",
    "potted plant", "bed", "dining table", "toilet", "tv", "laptop", "mouse", "remote", "keyboard",
    "cell phone", "microwave", "oven", "toaster", "sink", "refrigerator", "book", "clock", "vase", "scissors",
    "teddy bear", "hair drier", "toothbrush",
]


class UltralyticsDetector:
    engine = "ultralytics"

    def __init__(self, path, conf, imgsz):
        from ultralytics import YOLO

        self.model = YOLO(path)
        self.names = self.model.names
        self.conf, self.imgsz = conf, imgsz

    def detect(self, img):
        detections = []
        for r in self.model(img, conf=self.conf, imgsz=self.imgsz, verbose=False):
            for box in r.boxes:
                detections.append({
                    "class": self.names[int(box.cls)],
                    "confidence": float(box.conf),
                    "bbox": box.xyxy[0].tolist(),
                })
        return detections


class OnnxDetector:
    """YOLOv8's ONNX export: input images [1,3,640,640] RGB in [0,1]; output0 [1, 4+classes, anchors] with
    (cx, cy, w, h) in input pixels and one score per class. Padded to a square, as Ultralytics' OpenCV example."""

    engine = "opencv-dnn"

    def __init__(self, path, conf, imgsz, iou=0.45):
        self.net = cv2.dnn.readNetFromONNX(path)
        self.conf, self.imgsz, self.iou = conf, imgsz, iou
        self.names = None

    def detect(self, img):
        h, w = img.shape[:2]
        side = max(h, w)
        square = np.zeros((side, side, 3), np.uint8)
        square[:h, :w] = img
        blob = cv2.dnn.blobFromImage(square, 1 / 255.0, (self.imgsz, self.imgsz), swapRB=True)
        self.net.setInput(blob)
        out = self.net.forward()[0].T  # anchors x (4 + classes)
        if self.names is None:
            n = out.shape[1] - 4
            self.names = COCO80 if n == 80 else ["class%d" % i for i in range(n)]
        scores = out[:, 4:]
        cls = scores.argmax(axis=1)
        conf = scores[np.arange(len(scores)), cls]
        keep = np.flatnonzero(conf >= self.conf)
        scale = side / self.imgsz
        boxes = [[float((out[i, 0] - out[i, 2] / 2) * scale), float((out[i, 1] - out[i, 3] / 2) * scale),
                  float(out[i, 2] * scale), float(out[i, 3] * scale)] for i in keep]
        chosen = cv2.dnn.NMSBoxes(boxes, [float(conf[i]) for i in keep], self.conf, self.iou)
        detections = []
        for j in np.array(chosen).reshape(-1):
            x, y, bw, bh = boxes[j]
            # Clipped to the image, as Ultralytics does; a box with nothing left inside is dropped.
            x1, y1 = round(min(max(x, 0.0), w), 1), round(min(max(y, 0.0), h), 1)
            x2, y2 = round(min(max(x + bw, 0.0), w), 1), round(min(max(y + bh, 0.0), h), 1)
            if x2 > x1 and y2 > y1:
                i = keep[j]
                detections.append({"class": self.names[cls[i]], "confidence": round(float(conf[i]), 4),
                                   "bbox": [x1, y1, x2, y2]})
        return sorted(detections, key=lambda d: -d["confidence"])


def load(path=None, conf=None, imgsz=640):
    path = path or os.environ.get("DETECT_MODEL", "yolov8n.pt")
    conf = float(conf if conf is not None else os.environ.get("DETECT_CONF", "0.25"))
    if path.endswith(".onnx"):
        return OnnxDetector(path, conf, imgsz)
    return UltralyticsDetector(path, conf, imgsz)


def annotate(img, detections):
    """Draws the boxes and labels (Ultralytics' results[0].plot() for either engine)."""
    out = img.copy()
    for d in detections:
        x1, y1, x2, y2 = (int(v) for v in d["bbox"])
        cv2.rectangle(out, (x1, y1), (x2, y2), (0, 200, 255), 2)
        cv2.putText(out, "%s %.2f" % (d["class"], d["confidence"]), (x1, max(y1 - 6, 12)),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.6, (0, 200, 255), 2)
    return out


def summary(detections):
    """'4 persons, 1 bus' as Ultralytics prints it."""
    counts = {}
    for d in detections:
        counts[d["class"]] = counts.get(d["class"], 0) + 1
    return ", ".join("%d %s%s" % (n, c, "s" if n > 1 else "") for c, n in counts.items()) or "(no detections)"
