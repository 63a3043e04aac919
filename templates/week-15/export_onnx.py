# Step 2: export ResNet-50 to ONNX into the Triton model repository (the course's export_onnx.py).
# Changes (ailab: fixed):
#   - `--weights none` builds the same network with random weights (no ~98 MB download; the graph, the
#     tensor names and the file size are the same); the default is the course's pretrained weights;
#   - PyTorch >= 2.9 exports with the dynamo exporter by default, which needs the onnxscript package;
#     dynamo=False keeps the course's TorchScript exporter (opset 17) on every version that has the flag.
import argparse
import inspect
import os

import torch
import torchvision as tv

OUT = "models/resnet50_onnx/1/model.onnx"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--weights", default="DEFAULT", help='"DEFAULT" (ImageNet, downloads) or "none"')
    args = ap.parse_args()
    torch.manual_seed(0)
    weights = None if args.weights.lower() == "none" else args.weights
    model = tv.models.resnet50(weights=weights).eval()
    dummy = torch.randn(1, 3, 224, 224)
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    extra = {}
    if "dynamo" in inspect.signature(torch.onnx.export).parameters:
        extra["dynamo"] = False
    torch.onnx.export(
        model, dummy, OUT,
        input_names=["input"], output_names=["logits"],
        dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}},
        opset_version=17,
        **extra,
    )
    print("Exported to models/resnet50_onnx/1/model.onnx")


if __name__ == "__main__":
    main()
