# weights=none (offline, CI): writes an ONNX model with YOLOv8n's export contract -- input "images"
# [1,3,640,640], output "output0" [1,84,8400] (cx, cy, w, h in input pixels and 80 class scores for the
# 80x80, 40x40 and 20x20 grids) -- from a small convolutional network with random (seeded) weights.
# It tests the serving path (OpenCV DNN, decoding, NMS, the API) without a download; its detections
# mean nothing. With network access, export the real one: yolo export model=yolov8n.pt format=onnx opset=12
# Usage: python make_random_yolo.py OUT.onnx
import sys

import torch
from torch import nn


class TinyYolo(nn.Module):
    def __init__(self, classes=80):
        super().__init__()

        def block(i, o):
            return nn.Sequential(nn.Conv2d(i, o, 3, 2, 1), nn.SiLU())

        self.p3 = nn.Sequential(block(3, 16), block(16, 32), block(32, 32))  # /8
        self.p4 = block(32, 64)  # /16
        self.p5 = block(64, 64)  # /32
        # One 1x1 convolution per output per grid (OpenCV's DNN importer runs these without Slice ops).
        self.xy = nn.ModuleList(nn.Conv2d(c, 2, 1) for c in (32, 64, 64))
        self.wh = nn.ModuleList(nn.Conv2d(c, 2, 1) for c in (32, 64, 64))
        self.cls = nn.ModuleList(nn.Conv2d(c, classes, 1) for c in (32, 64, 64))
        for head in self.cls:
            # Class scores near 0.05: with random weights no box passes conf 0.25. Not one constant: torch's exporter merges equal initializers through
            # Identity nodes, which OpenCV 4.6's ONNX importer cannot run.
            nn.init.normal_(head.bias, -3.0, 0.1)
        self.classes = classes
        grids, strides = [], []
        for size, stride in ((80, 8), (40, 16), (20, 32)):
            y, x = torch.meshgrid(torch.arange(size), torch.arange(size), indexing="ij")
            grids.append(torch.stack((x, y)).reshape(1, 2, -1).float())
            strides.append(torch.full((1, 2, size * size), float(stride)))  # [1, 1, N] does not broadcast in OpenCV 4.6
        self.register_buffer("grid", torch.cat(grids, 2))
        self.register_buffer("stride", torch.cat(strides, 2))
        # The box size scale as a constant of its own (see the biases above).
        self.register_buffer("size_scale", torch.cat(strides, 2) * 8)

    def forward(self, images):
        p3 = self.p3(images)
        p4 = self.p4(p3)
        p5 = self.p5(p4)
        feats = ((p3, 6400), (p4, 1600), (p5, 400))

        def cat(heads, channels):
            return torch.cat([h(f).reshape(1, channels, n) for h, (f, n) in zip(heads, feats)], 2)

        xy = (self.grid + torch.sigmoid(cat(self.xy, 2))) * self.stride
        wh = torch.sigmoid(cat(self.wh, 2)) * self.size_scale
        return torch.cat((xy, wh, torch.sigmoid(cat(self.cls, self.classes))), 1)  # [1, 84, 8400]


def build():
    torch.manual_seed(27)
    return TinyYolo().eval()


if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else "yolov8n.onnx"
    torch.onnx.export(build(), torch.zeros(1, 3, 640, 640), out, input_names=["images"],
                      output_names=["output0"], opset_version=12)
    print("Exported a random-weight network with YOLOv8n's input and output to", out)
