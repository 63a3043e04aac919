# Stand-in for YOLOv5's hubconf.py: torch.hub.load(repo, "custom", path=..., source="local") imports this
# file and calls custom(). The real one loads .pt/.onnx/.engine weights through DetectMultiBackend; this
# one checks that the weights file exists and returns the tiny stand-in detector (standin.py).
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def custom(path="path/to/model.pt", autoshape=True, _verbose=True, device=None):
    from standin import AutoShape, TinyYOLO

    if not os.path.isfile(path):
        raise FileNotFoundError(f"{path} does not exist")
    return AutoShape(TinyYOLO().eval())
