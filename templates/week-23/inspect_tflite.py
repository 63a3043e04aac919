# Reads a .tflite file (a FlatBuffer of TensorFlow Lite's schema, tensorflow/lite/schema/schema.fbs) with
# Python's struct module alone, and prints what the app depends on as JSON: the file identifier (TFL3),
# the input and output tensors (name, shape, type), the operators, and the type of the weights
# (Optimize.DEFAULT stores them as INT8). No TensorFlow needed: run it on any machine before copying the
# model into the Android project. Exit 1 when the file is not a TFLite model.
# Usage: python inspect_tflite.py app/src/main/assets/mobilenet_v2.tflite
import json
import os
import struct
import sys

TYPES = {0: "FLOAT32", 1: "FLOAT16", 2: "INT32", 3: "UINT8", 4: "INT64", 5: "STRING", 6: "BOOL",
         7: "INT16", 9: "INT8"}
OPS = {0: "ADD", 1: "AVERAGE_POOL_2D", 2: "CONCATENATION", 3: "CONV_2D", 4: "DEPTHWISE_CONV_2D",
       6: "DEQUANTIZE", 9: "FULLY_CONNECTED", 14: "LOGISTIC", 17: "MAX_POOL_2D", 18: "MUL", 19: "RELU",
       21: "RELU6", 22: "RESHAPE", 25: "SOFTMAX", 34: "PAD", 40: "MEAN", 114: "QUANTIZE"}


class Table:
    """A FlatBuffers table: fields are found through its vtable, by field id (slot)."""

    def __init__(self, buf, pos):
        self.buf, self.pos = buf, pos
        self.vtable = pos - struct.unpack_from("<i", buf, pos)[0]
        self.vt_size = struct.unpack_from("<H", buf, self.vtable)[0]

    def _off(self, slot):
        at = 4 + 2 * slot
        return struct.unpack_from("<H", self.buf, self.vtable + at)[0] if at < self.vt_size else 0

    def scalar(self, slot, fmt, default=0):
        o = self._off(slot)
        return struct.unpack_from("<" + fmt, self.buf, self.pos + o)[0] if o else default

    def _vector(self, slot):
        o = self._off(slot)
        if not o:
            return 0, 0
        start = self.pos + o + struct.unpack_from("<I", self.buf, self.pos + o)[0]
        return start + 4, struct.unpack_from("<I", self.buf, start)[0]

    def ints(self, slot):
        start, n = self._vector(slot)
        return list(struct.unpack_from("<%di" % n, self.buf, start)) if n else []

    def tables(self, slot):
        start, n = self._vector(slot)
        return [Table(self.buf, start + 4 * i + struct.unpack_from("<I", self.buf, start + 4 * i)[0])
                for i in range(n)]

    def string(self, slot):
        start, n = self._vector(slot)
        return self.buf[start:start + n].decode("utf-8") if n or start else None

    def byte_count(self, slot):
        return self._vector(slot)[1]


def inspect(path):
    buf = open(path, "rb").read()
    ident = buf[4:8].decode("latin-1") if len(buf) >= 8 else ""
    if ident != "TFL3":
        raise ValueError("%s is not a TFLite model: bytes 4-7 are %r, not 'TFL3' (an HTML error page saved by "
                         "curl without -f? a SavedModel or .h5 not converted?)" % (path, ident))
    model = Table(buf, struct.unpack_from("<I", buf, 0)[0])
    codes = [max(c.scalar(0, "b"), c.scalar(3, "i")) for c in model.tables(1)]
    buffers = [b.byte_count(0) for b in model.tables(4)]
    graph = model.tables(2)[0]
    tensors = graph.tables(0)

    def describe(i):
        t = tensors[i]
        return {"name": t.string(3), "shape": t.ints(0), "type": TYPES.get(t.scalar(1, "b"), t.scalar(1, "b"))}

    weights = {}
    for t in tensors:
        b = t.scalar(2, "I")
        if b and buffers[b]:
            name = TYPES.get(t.scalar(1, "b"), "?")
            weights[name] = weights.get(name, 0) + buffers[b]
    return {
        "identifier": ident,
        "schema_version": model.scalar(0, "I"),
        "size_bytes": os.path.getsize(path),
        "description": model.string(3),
        "subgraphs": len(model.tables(2)),
        "inputs": [describe(i) for i in graph.ints(1)],
        "outputs": [describe(i) for i in graph.ints(2)],
        "operators": sorted({OPS.get(codes[op.scalar(0, "I")], str(codes[op.scalar(0, "I")]))
                             for op in graph.tables(3)}),
        "weight_bytes_by_type": weights,
    }


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python inspect_tflite.py MODEL.tflite")
    try:
        print(json.dumps(inspect(sys.argv[1]), indent=2))
    except (OSError, ValueError, struct.error, IndexError) as e:
        sys.exit("inspect_tflite: %s" % e)
