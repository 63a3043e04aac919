# Stand-in for YOLOv5 v6.1's export.py (CI cannot download yolov5s.pt, has no GPU and no TensorRT).
#   --include onnx     exports the tiny stand-in detector (standin.py) to a REAL ONNX file with YOLOv5's
#                      input "images" (1x3x640x640) and output "output" (1x25200x85), opset 12;
#   --include engine   refuses to run on the CPU with YOLOv5's own assertion (its default --device is
#                      the CPU, the course's mistake); with --device 0 it prints export.py's messages
#                      and writes a small JSON placeholder, not a TensorRT engine.
import argparse
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from standin import TinyYOLO  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument("--weights", default="yolov5s.pt")
p.add_argument("--include", nargs="+", default=["torchscript", "onnx"])
p.add_argument("--device", default="cpu")
p.add_argument("--half", action="store_true")
p.add_argument("--imgsz", "--img", nargs="+", type=int, default=[640, 640])
p.add_argument("--opset", type=int, default=12)
opt = p.parse_args()

print(f"export: weights={opt.weights}, imgsz={opt.imgsz}, device={opt.device}, half={opt.half}, include={opt.include}")
if not os.path.exists(opt.weights):
    print(f"Downloading https://github.com/ultralytics/yolov5/releases/download/v6.1/{opt.weights} to {opt.weights}...")
    with open(opt.weights, "w") as f:
        f.write("stand-in weights\n")
print(f"PyTorch: starting from {opt.weights} with output shape (1, 25200, 85)")
base = os.path.splitext(opt.weights)[0]


def export_onnx():
    f = base + ".onnx"
    print(f"\nONNX: starting export with onnx ...")
    torch.onnx.export(TinyYOLO().eval(), torch.zeros(1, 3, 640, 640), f, opset_version=opt.opset,
                      input_names=["images"], output_names=["output"])
    print(f"ONNX: export success, saved as {f} ({os.path.getsize(f) / 1e6:.1f} MB)")


for fmt in opt.include:
    if fmt == "onnx":
        export_onnx()
    elif fmt == "engine":
        if opt.device in ("cpu", ""):
            sys.exit("AssertionError: export running on CPU but must be on GPU, i.e. `python export.py --device 0`")
        export_onnx()
        f = base + ".engine"
        print(f"\nTensorRT: starting export with TensorRT 8.2.1.8...")
        print(f"TensorRT: Network Description:")
        print(f'TensorRT:\tinput "images" with shape (1, 3, 640, 640) and dtype DataType.FLOAT')
        print(f'TensorRT:\toutput "output" with shape (1, 25200, 85) and dtype DataType.FLOAT')
        print(f"TensorRT: building FP{16 if opt.half else 32} engine in {f}")
        with open(f, "w") as out:
            json.dump({"stand-in": "export.py", "precision": "fp16" if opt.half else "fp32"}, out)
        print(f"TensorRT: export success, saved as {f} (0.0 MB)")
    else:
        sys.exit(f"fake export.py: format {fmt} is not replayed")
print("\nExport complete")
