# Step 8 (optional): Torch-TensorRT (the course's snippet, made to run).
# Changes (ailab: fixed):
#   - `model` came from another script: it is built here (the same ResNet-18) and moved to CUDA, which
#     Torch-TensorRT needs;
#   - Torch-TensorRT >= 2.1 compiles through Dynamo and returns a torch.fx.GraphModule, which
#     torch.jit.save cannot save: torch_tensorrt.save(..., output_format="torchscript") writes the .ts;
#   - "or int8" needs a calibrator or a quantized model (ModelOpt): FP16 only here.
import argparse

import torch
import torch_tensorrt
import torchvision.models as models


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--weights", default="DEFAULT", help='"DEFAULT" (ImageNet, downloads) or "none"')
    ap.add_argument("--out", default="resnet18_trt.ts")
    args = ap.parse_args()
    weights = None if args.weights.lower() == "none" else models.ResNet18_Weights.DEFAULT
    model = models.resnet18(weights=weights).eval().cuda()
    example = [torch.randn(1, 3, 224, 224).cuda()]
    trt_model = torch_tensorrt.compile(model, ir="dynamo", inputs=example,
                                       enabled_precisions={torch.float16})
    torch_tensorrt.save(trt_model, args.out, output_format="torchscript", inputs=example)
    reloaded = torch.jit.load(args.out).cuda()
    print("Torch-TensorRT output:", tuple(reloaded(*example).shape))
    print(f"Saved {args.out}")


if __name__ == "__main__":
    main()
