# Step 1: export ResNet-18 to ONNX (the course's export_resnet18.py).
# Changes (ailab: fixed):
#   - models.resnet18(pretrained=True) is deprecated since torchvision 0.13 (and removed in later
#     releases): the weights enum is used instead; `--weights none` builds the same network with random
#     weights (no ~45 MB download; same graph, same tensor names, same file size);
#   - PyTorch >= 2.9 exports with the dynamo exporter by default, which needs the onnxscript package and
#     may write the weights to resnet18.onnx.data: dynamo=False keeps the TorchScript exporter (opset 17)
#     on every version that has the flag.
# The input stays static (1x3x224x224), as in the course: trtexec then needs no --shapes.
import argparse
import inspect

import torch
import torchvision.models as models


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--weights", default="DEFAULT", help='"DEFAULT" (ImageNet, downloads) or "none"')
    ap.add_argument("--out", default="resnet18.onnx")
    args = ap.parse_args()
    torch.manual_seed(0)
    # fixed: pretrained=True -> the weights enum (None: random weights, nothing downloaded).
    weights = None if args.weights.lower() == "none" else models.ResNet18_Weights.DEFAULT
    model = models.resnet18(weights=weights).eval()

    dummy = torch.randn(1, 3, 224, 224)
    extra = {}
    if "dynamo" in inspect.signature(torch.onnx.export).parameters:
        extra["dynamo"] = False  # fixed: the TorchScript exporter, no onnxscript needed
    torch.onnx.export(model, dummy, args.out,
                      input_names=["input"],
                      output_names=["output"],
                      opset_version=17,
                      **extra)
    print(f"ONNX model saved: {args.out}")


if __name__ == "__main__":
    main()
