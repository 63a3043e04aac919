# A stand-in for the `onnxruntime` package (Debian has none), for week 22's benchmark_onnx.py in CI.
# It is NOT ONNX Runtime: it loads the model with python3-onnx, runs onnx.checker, and executes the
# graph node by node with torch operators (CPU), reusing week 15's runner
# (test/course/fixtures-w15/onnx_worker.py: the operators a torchvision ResNet export uses).
# The API surface is the part the lab uses: get_available_providers(), InferenceSession(path,
# providers=...), .get_inputs() / .get_outputs() (name, shape, type), .get_providers(), .run().
import os
import sys

import numpy as np
import onnx
import torch
from onnx import numpy_helper

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "fixtures-w15"))
from onnx_worker import attrs, run_node, tensor_dims  # noqa: E402

__version__ = "0.0.0+ailab-stand-in"


def get_available_providers():
    return ["CPUExecutionProvider"]


class NodeArg:
    def __init__(self, name, shape):
        self.name = name
        self.shape = shape
        self.type = "tensor(float)"


class InferenceSession:
    def __init__(self, path, providers=None, **_):
        for p in providers or []:
            if p not in get_available_providers():
                raise ValueError(f"stand-in onnxruntime: provider {p} is not available")
        self._model = onnx.load(path)
        onnx.checker.check_model(self._model)
        graph = self._model.graph
        self._weights = {i.name: torch.from_numpy(numpy_helper.to_array(i).copy()) for i in graph.initializer}
        for node in graph.node:
            if node.op_type == "Constant":
                self._weights[node.output[0]] = torch.from_numpy(numpy_helper.to_array(attrs(node)["value"]).copy())
        self._inputs = [NodeArg(i.name, tensor_dims(i)) for i in graph.input if i.name not in self._weights]
        self._outputs = [NodeArg(o.name, tensor_dims(o)) for o in graph.output]

    def get_inputs(self):
        return self._inputs

    def get_outputs(self):
        return self._outputs

    def get_providers(self):
        return ["CPUExecutionProvider"]

    def run(self, output_names, feed):
        env = dict(self._weights)
        for arg in self._inputs:
            if arg.name not in feed:
                raise ValueError(f"stand-in onnxruntime: missing input {arg.name}")
            env[arg.name] = torch.from_numpy(np.ascontiguousarray(feed[arg.name], dtype=np.float32))
        with torch.no_grad():
            for node in self._model.graph.node:
                if node.op_type != "Constant":
                    env[node.output[0]] = run_node(node, env)
        names = output_names or [o.name for o in self._outputs]
        return [env[n].numpy() for n in names]
