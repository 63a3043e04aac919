# The stand-in Triton's model runner (test/course/fixtures-w15/fake-triton.ts starts one per loaded
# model): it runs the exported model.onnx itself, for real. Debian has no onnxruntime, so the graph is
# read with python3-onnx and each node is executed with the matching torch operator (CPU). Only the
# operators a torchvision ResNet export uses are implemented; any other one is a load error.
# Protocol: the first stdout line describes the model's inputs and outputs (as Triton's onnxruntime
# backend reads them); then one JSON request per stdin line ({"shape": [...], "data": [...]}) gets one
# JSON reply line ({"shape": [...], "data": [...]} or {"error": "..."}).
import json
import sys

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import numpy_helper


def attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def pads2d(p):
    # ONNX pads are [top, left, bottom, right]; torch's padding is symmetric (ResNet's always is).
    if p and (p[0] != p[2] or p[1] != p[3]):
        raise ValueError("asymmetric padding is not supported")
    return (p[0], p[1]) if p else (0, 0)


def run_node(node, env):
    a = attrs(node)
    x = [env[i] if i else None for i in node.input]
    op = node.op_type
    if op == "Conv":
        return F.conv2d(x[0], x[1], x[2] if len(x) > 2 else None, stride=tuple(a.get("strides", [1, 1])),
                        padding=pads2d(a.get("pads")), dilation=tuple(a.get("dilations", [1, 1])),
                        groups=a.get("group", 1))
    if op == "BatchNormalization":
        return F.batch_norm(x[0], x[3], x[4], x[1], x[2], False, 0.0, a.get("epsilon", 1e-5))
    if op == "Relu":
        return F.relu(x[0])
    if op == "MaxPool":
        return F.max_pool2d(x[0], tuple(a["kernel_shape"]), tuple(a.get("strides", [1, 1])), pads2d(a.get("pads")))
    if op == "Add":
        return x[0] + x[1]
    if op == "GlobalAveragePool":
        return F.adaptive_avg_pool2d(x[0], 1)
    if op == "Flatten":
        axis = a.get("axis", 1)
        return x[0].reshape(int(np.prod(x[0].shape[:axis])), -1)
    if op == "Gemm":
        b = x[1].t() if a.get("transB", 0) else x[1]
        return a.get("alpha", 1.0) * (x[0] @ b) + (a.get("beta", 1.0) * x[2] if len(x) > 2 else 0)
    if op == "Reshape":
        return x[0].reshape([int(d) if d != 0 else x[0].shape[i] for i, d in enumerate(x[1].tolist())])
    if op == "Identity":
        return x[0]
    raise ValueError(f"operator {op} is not supported by the stand-in runner")


def tensor_dims(vi):
    return [d.dim_value if d.HasField("dim_value") else -1 for d in vi.type.tensor_type.shape.dim]


def main():
    model = onnx.load(sys.argv[1])
    onnx.checker.check_model(model)
    weights = {i.name: torch.from_numpy(numpy_helper.to_array(i).copy()) for i in model.graph.initializer}
    for node in model.graph.node:
        if node.op_type == "Constant":
            weights[node.output[0]] = torch.from_numpy(numpy_helper.to_array(attrs(node)["value"]).copy())
    unknown = sorted({n.op_type for n in model.graph.node} - {
        "Conv", "BatchNormalization", "Relu", "MaxPool", "Add", "GlobalAveragePool", "Flatten", "Gemm",
        "Reshape", "Identity", "Constant"})
    inputs = [i for i in model.graph.input if i.name not in weights]
    print(json.dumps({
        "error": f"operators not supported by the stand-in runner: {unknown}" if unknown else None,
        "inputs": [{"name": i.name, "dims": tensor_dims(i)} for i in inputs],
        "outputs": [{"name": o.name, "dims": tensor_dims(o)} for o in model.graph.output],
    }), flush=True)
    torch.set_grad_enabled(False)
    for line in sys.stdin:
        try:
            req = json.loads(line)
            env = dict(weights)
            env[inputs[0].name] = torch.tensor(req["data"], dtype=torch.float32).reshape(req["shape"])
            for node in model.graph.node:
                if node.op_type == "Constant":
                    continue
                env[node.output[0]] = run_node(node, env)
            out = env[model.graph.output[0].name]
            reply = {"shape": list(out.shape), "data": out.flatten().tolist()}
        except Exception as e:  # a bad request must not stop the runner
            reply = {"error": f"{type(e).__name__}: {e}"}
        print(json.dumps(reply), flush=True)


if __name__ == "__main__":
    main()
