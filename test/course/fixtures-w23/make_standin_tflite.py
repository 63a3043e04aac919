# Stand-in for the course's "mobilenet_v2.tflite (from Day 157 export)": TensorFlow is not in Debian, so
# CI cannot run the Day-157 converter. This writes a real TFLite flatbuffer (file identifier TFL3, schema
# version 3) with Debian's python3-flatbuffers, field ids as in tensorflow/lite/schema/schema.fbs, and the
# input/output contract of Keras' MobileNetV2: input [1,224,224,3] FLOAT32 in [-1, 1], output [1,1000]
# FLOAT32 softmax. The network is MobileNetV2's stem and classifier head with the body left out and
# random (seeded) weights:
#   CONV_2D 3x3/2 SAME 3->32 RELU6, MEAN over H,W, FULLY_CONNECTED 32->1280 RELU6,
#   FULLY_CONNECTED 1280->1000 (the real model's head: 5 MB, so the file is MobileNetV2-sized), SOFTMAX.
# The weights are also saved as <out>.npz, for a reference computation with torch in the test.
# Usage: make_standin_tflite.py OUT.tflite [--classes N]
import argparse

import flatbuffers
import numpy as np

FLOAT32, INT32 = 0, 2
CONV_2D, FULLY_CONNECTED, SOFTMAX, MEAN = 3, 9, 25, 40
OPT_CONV2D, OPT_FULLY_CONNECTED, OPT_SOFTMAX, OPT_REDUCER = 1, 8, 9, 27  # BuiltinOptions union
RELU6, SAME = 3, 0

p = argparse.ArgumentParser()
p.add_argument("out")
p.add_argument("--classes", type=int, default=1000)
args = p.parse_args()

rng = np.random.default_rng(157)
w = {
    "stem_w": rng.normal(0, 0.3, (32, 3, 3, 3)).astype(np.float32),  # OHWI, as TFLite stores it
    "stem_b": rng.normal(0, 0.1, 32).astype(np.float32),
    "fc1_w": rng.normal(0, 0.3, (1280, 32)).astype(np.float32),
    "fc1_b": rng.normal(0, 0.1, 1280).astype(np.float32),
    "fc2_w": rng.normal(0, 0.2, (args.classes, 1280)).astype(np.float32),
    "fc2_b": rng.normal(0, 0.1, args.classes).astype(np.float32),
}
np.savez(args.out + ".npz", **w)

b = flatbuffers.Builder(8 << 20)


def byte_vector(data: bytes, align=16):
    # Buffer.data is [ubyte] (force_align: 16): tensor data stays aligned for mmap.
    b.StartVector(1, len(data), align)
    b.head -= len(data)
    b.Bytes[b.head : b.head + len(data)] = data
    return b.EndVector()


def int_vector(values):
    b.StartVector(4, len(values), 4)
    for v in reversed(values):
        b.PrependInt32(v)
    return b.EndVector()


def offset_vector(offsets):
    b.StartVector(4, len(offsets), 4)
    for o in reversed(offsets):
        b.PrependUOffsetTRelative(o)
    return b.EndVector()


# Buffers: 0 is the empty sentinel; then one per constant tensor.
constants = [w["stem_w"], w["stem_b"], np.array([1, 2], np.int32), w["fc1_w"], w["fc1_b"], w["fc2_w"], w["fc2_b"]]
buffers = []
for data in [None, *constants]:
    d = byte_vector(data.tobytes()) if data is not None else None
    b.StartObject(3)
    if d is not None:
        b.PrependUOffsetTRelativeSlot(0, d, 0)
    buffers.append(b.EndObject())

# (name, shape, type, buffer)
tensors = [
    ("serving_default_input_1:0", [1, 224, 224, 3], FLOAT32, 0),  # 0
    ("stem/kernel", [32, 3, 3, 3], FLOAT32, 1),  # 1
    ("stem/bias", [32], FLOAT32, 2),  # 2
    ("stem/Relu6", [1, 112, 112, 32], FLOAT32, 0),  # 3
    ("global_average_pooling2d/Mean/reduction_indices", [2], INT32, 3),  # 4
    ("global_average_pooling2d/Mean", [1, 32], FLOAT32, 0),  # 5
    ("head/kernel", [1280, 32], FLOAT32, 4),  # 6
    ("head/bias", [1280], FLOAT32, 5),  # 7
    ("head/Relu6", [1, 1280], FLOAT32, 0),  # 8
    ("predictions/kernel", [args.classes, 1280], FLOAT32, 6),  # 9
    ("predictions/bias", [args.classes], FLOAT32, 7),  # 10
    ("predictions/BiasAdd", [1, args.classes], FLOAT32, 0),  # 11
    ("StatefulPartitionedCall:0", [1, args.classes], FLOAT32, 0),  # 12
]
tensor_offsets = []
for name, shape, ttype, buf in tensors:
    n = b.CreateString(name)
    s = int_vector(shape)
    b.StartObject(8)
    b.PrependUOffsetTRelativeSlot(0, s, 0)  # shape
    b.PrependInt8Slot(1, ttype, 0)  # type
    b.PrependUint32Slot(2, buf, 0)  # buffer
    b.PrependUOffsetTRelativeSlot(3, n, 0)  # name
    b.PrependUOffsetTRelativeSlot(7, s, 0)  # shape_signature
    tensor_offsets.append(b.EndObject())


def options(kind):
    if kind == "conv":
        b.StartObject(6)
        b.PrependInt8Slot(0, SAME, 0)
        b.PrependInt32Slot(1, 2, 0)  # stride_w
        b.PrependInt32Slot(2, 2, 0)  # stride_h
        b.PrependInt8Slot(3, RELU6, 0)
        return OPT_CONV2D, b.EndObject()
    if kind == "mean":
        b.StartObject(1)
        b.PrependBoolSlot(0, False, False)  # keep_dims
        return OPT_REDUCER, b.EndObject()
    if kind in ("fc_relu6", "fc"):
        b.StartObject(4)
        b.PrependInt8Slot(0, RELU6 if kind == "fc_relu6" else 0, 0)
        return OPT_FULLY_CONNECTED, b.EndObject()
    b.StartObject(1)
    b.PrependFloat32Slot(0, 1.0, 0.0)  # beta
    return OPT_SOFTMAX, b.EndObject()


codes = [CONV_2D, MEAN, FULLY_CONNECTED, SOFTMAX]
ops = [(0, [0, 1, 2], [3], "conv"), (1, [3, 4], [5], "mean"), (2, [5, 6, 7], [8], "fc_relu6"),
       (2, [8, 9, 10], [11], "fc"), (3, [11], [12], "softmax")]
op_offsets = []
for opcode, ins, outs, kind in ops:
    i, o = int_vector(ins), int_vector(outs)
    otype, opt = options(kind)
    b.StartObject(5)
    b.PrependUint32Slot(0, opcode, 0)
    b.PrependUOffsetTRelativeSlot(1, i, 0)
    b.PrependUOffsetTRelativeSlot(2, o, 0)
    b.PrependUint8Slot(3, otype, 0)  # builtin_options_type
    b.PrependUOffsetTRelativeSlot(4, opt, 0)  # builtin_options
    op_offsets.append(b.EndObject())

code_offsets = []
for code in codes:
    b.StartObject(4)
    b.PrependInt8Slot(0, min(code, 127), 0)  # deprecated_builtin_code
    b.PrependInt32Slot(2, 1, 1)  # version
    b.PrependInt32Slot(3, code, 0)  # builtin_code
    code_offsets.append(b.EndObject())

tv, ov = offset_vector(tensor_offsets), offset_vector(op_offsets)
gi, go, gname = int_vector([0]), int_vector([12]), b.CreateString("main")
b.StartObject(5)
b.PrependUOffsetTRelativeSlot(0, tv, 0)
b.PrependUOffsetTRelativeSlot(1, gi, 0)
b.PrependUOffsetTRelativeSlot(2, go, 0)
b.PrependUOffsetTRelativeSlot(3, ov, 0)
b.PrependUOffsetTRelativeSlot(4, gname, 0)
subgraph = b.EndObject()

subgraphs, cv, bv = offset_vector([subgraph]), offset_vector(code_offsets), offset_vector(buffers)
desc = b.CreateString("ailab stand-in: MobileNetV2's stem and head, random weights")
b.StartObject(8)
b.PrependUint32Slot(0, 3, 0)  # version
b.PrependUOffsetTRelativeSlot(1, cv, 0)
b.PrependUOffsetTRelativeSlot(2, subgraphs, 0)
b.PrependUOffsetTRelativeSlot(3, desc, 0)
b.PrependUOffsetTRelativeSlot(4, bv, 0)
b.Finish(b.EndObject(), file_identifier=b"TFL3")
with open(args.out, "wb") as f:
    f.write(b.Output())
print(f"wrote {args.out} ({len(b.Output())} bytes)")
