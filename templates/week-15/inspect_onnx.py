# Not in the course: checks the exported model with the onnx package (onnx.checker) and prints its
# inputs and outputs as JSON, names and shapes (a named dimension, like the dynamic "batch", is
# printed as its name). Triton matches these against config.pbtxt when it loads the model.
import json
import sys

import onnx


def dims(value_info):
    return [d.dim_param or d.dim_value for d in value_info.type.tensor_type.shape.dim]


path = sys.argv[1] if len(sys.argv) > 1 else "models/resnet50_onnx/1/model.onnx"
model = onnx.load(path)
onnx.checker.check_model(model)
initializers = {i.name for i in model.graph.initializer}
print(json.dumps({
    "checker": "ok",
    "opset": max(o.version for o in model.opset_import if o.domain in ("", "ai.onnx")),
    "inputs": [{"name": i.name, "shape": dims(i)} for i in model.graph.input if i.name not in initializers],
    "outputs": [{"name": o.name, "shape": dims(o)} for o in model.graph.output],
}))
