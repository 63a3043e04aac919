# Stand-in for the `ultralytics` package (not in Debian; PyPI and the weights cannot be reached in CI),
# enough for the course's server.py: YOLO("yolov8n.pt") loads yolov8n.onnx from the same folder with the
# lab's detector.py (OpenCV DNN), and model(img) returns results whose boxes have .cls, .conf and .xyxy as
# torch tensors, as Ultralytics' do. Like Ultralytics, a None image raises (the course's server then
# answers 500). DETECT_CONF sets the confidence threshold.
import os

import torch
from detector import OnnxDetector


class _Box:
    def __init__(self, cls, conf, xyxy):
        self.cls = torch.tensor([float(cls)])
        self.conf = torch.tensor([conf])
        self.xyxy = torch.tensor([xyxy])


class _Result:
    def __init__(self, boxes):
        self.boxes = boxes


class YOLO:
    def __init__(self, weights="yolov8n.pt"):
        self._detector = OnnxDetector(os.path.splitext(weights)[0] + ".onnx",
                                      float(os.environ.get("DETECT_CONF", "0.25")), 640)
        self._detector.detect(torch.zeros(64, 64, 3, dtype=torch.uint8).numpy())  # learns the class names
        self.names = dict(enumerate(self._detector.names))

    def __call__(self, source, **kwargs):
        if source is None:
            raise TypeError("source None is not an image")  # Ultralytics fails on None too: an exception, a 500
        index = {n: i for i, n in self.names.items()}
        return [_Result([_Box(index[d["class"]], d["confidence"], d["bbox"]) for d in self._detector.detect(source)])]
