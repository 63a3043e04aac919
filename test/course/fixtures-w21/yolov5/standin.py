# Stand-in for YOLOv5's model code (CI cannot download yolov5s.pt, has no GPU and no TensorRT).
# TinyYOLO is a tiny torch network with YOLOv5's input and output format: (1, 3, 640, 640) in,
# (1, 25200, 85) out (3 anchors on 80x80, 40x40 and 20x20 grids; x, y, w, h, objectness, 80 classes).
# Its weights are seeded random numbers (the objectness bias is raised so that it reports boxes):
# what it detects means nothing. AutoShape/Detections reproduce the API app.py uses:
# model(PIL image) -> results.pandas().xyxy[0] with YOLOv5's columns.
import pandas as pd
import torch
import torchvision
from torch import nn

from names import NAMES


class TinyYOLO(nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.heads = nn.ModuleList(nn.Conv2d(3, 3 * 85, 1) for _ in range(3))
        with torch.no_grad():
            for head in self.heads:
                head.bias.view(3, 85)[:, 4] += 4.0
        self.strides = (8, 16, 32)

    def forward(self, x):
        outs = []
        for stride, head in zip(self.strides, self.heads):
            p = head(nn.functional.avg_pool2d(x, stride))  # (1, 255, ny, nx)
            b, _, ny, nx = p.shape
            p = p.view(b, 3, 85, ny, nx).permute(0, 1, 3, 4, 2).sigmoid()
            yv, xv = torch.meshgrid(torch.arange(ny), torch.arange(nx), indexing="ij")
            grid = torch.stack((xv, yv), 2).view(1, 1, ny, nx, 2).float()
            xy = (p[..., :2] * 2 - 0.5 + grid) * stride
            wh = (p[..., 2:4] * 2) ** 2 * stride * 4
            outs.append(torch.cat((xy, wh, p[..., 4:]), -1).view(b, -1, 85))
        return torch.cat(outs, 1)


def nms(pred, conf, iou=0.45, max_det=1000):
    pred = pred[0]
    scores, classes = (pred[:, 5:] * pred[:, 4:5]).max(1)
    keep = scores > conf
    boxes, scores, classes = pred[keep, :4], scores[keep], classes[keep]
    xyxy = torch.cat((boxes[:, :2] - boxes[:, 2:] / 2, boxes[:, :2] + boxes[:, 2:] / 2), 1)
    idx = torchvision.ops.batched_nms(xyxy, scores, classes, iou)[:max_det]
    return xyxy[idx], scores[idx], classes[idx]


class Detections:
    def __init__(self, rows):
        self.rows = rows

    def pandas(self):
        cols = ["xmin", "ymin", "xmax", "ymax", "confidence", "class", "name"]

        class Frames:
            xyxy = [pd.DataFrame(self.rows, columns=cols)]

        return Frames()


class AutoShape(nn.Module):
    conf = 0.25
    iou = 0.45

    def __init__(self, model):
        super().__init__()
        self.model = model

    @torch.no_grad()
    def forward(self, image):
        if not hasattr(image, "convert"):
            raise TypeError(f"AutoShape takes a path, URL, PIL image or numpy array, not {type(image).__name__}")
        w, h = image.size
        scale = 640 / max(w, h)
        resized = image.convert("RGB").resize((max(1, round(w * scale)), max(1, round(h * scale))))
        canvas = torch.full((3, 640, 640), 114 / 255)
        t = torchvision.transforms.functional.to_tensor(resized)
        canvas[:, : t.shape[1], : t.shape[2]] = t
        xyxy, scores, classes = nms(self.model(canvas[None]), self.conf, self.iou)
        xyxy = (xyxy / scale).clamp(min=0)
        xyxy[:, [0, 2]] = xyxy[:, [0, 2]].clamp(max=w)
        xyxy[:, [1, 3]] = xyxy[:, [1, 3]].clamp(max=h)
        rows = [
            [*map(float, box), float(s), int(c), NAMES[int(c)]]
            for box, s, c in zip(xyxy.tolist(), scores.tolist(), classes.tolist())
        ]
        return Detections(rows)
