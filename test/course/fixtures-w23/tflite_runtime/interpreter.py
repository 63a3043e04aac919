# Stand-in for tflite_runtime.interpreter (TensorFlow Lite is not in Debian; PyPI cannot be reached in CI).
# It reads the .tflite flatbuffer with Debian's python3-flatbuffers (its generic Table accessor, field ids
# from tensorflow/lite/schema/schema.fbs: an implementation independent of the lab's inspect_tflite.py)
# and executes the graph with numpy, with TFLite's kernels' semantics (NHWC, OHWI filters, SAME padding,
# fused activations). Only the operators of a float MobileNet-style classifier are implemented; any other
# one is refused at allocate_tensors(), as a TFLite build without that kernel would. The API is the part
# of tflite_runtime.interpreter.Interpreter that the lab's check_tflite.py and the course use.
import flatbuffers
import numpy as np
from flatbuffers import number_types as N
from flatbuffers.table import Table

TYPES = {0: np.float32, 1: np.float16, 2: np.int32, 3: np.uint8, 4: np.int64, 9: np.int8}
TYPE_NAMES = {0: "FLOAT32", 1: "FLOAT16", 2: "INT32", 3: "UINT8", 4: "INT64", 9: "INT8"}
OPS = {0: "ADD", 3: "CONV_2D", 4: "DEPTHWISE_CONV_2D", 9: "FULLY_CONNECTED", 22: "RESHAPE", 25: "SOFTMAX", 40: "MEAN"}


def _field(t, slot):
    return t.Offset(4 + 2 * slot)


def _scalar(t, slot, flags, default=0):
    o = _field(t, slot)
    return t.Get(flags, o + t.Pos) if o else default


def _table(t, slot):
    o = _field(t, slot)
    return Table(t.Bytes, t.Indirect(o + t.Pos)) if o else None


def _tables(t, slot):
    o = _field(t, slot)
    if not o:
        return []
    start = t.Vector(o)
    return [Table(t.Bytes, t.Indirect(start + 4 * i)) for i in range(t.VectorLen(o))]


def _ints(t, slot):
    o = _field(t, slot)
    return [] if not o else [int(v) for v in t.GetVectorAsNumpy(N.Int32Flags, o)]


def _act(x, code):
    return {0: x, 1: np.maximum(x, 0), 2: np.clip(x, -1, 1), 3: np.clip(x, 0, 6), 4: np.tanh(x)}[code]


def _same_pad(size, k, s):
    out = -(-size // s)
    total = max((out - 1) * s + k - size, 0)
    return out, total // 2, total - total // 2


class Interpreter:
    def __init__(self, model_path=None, model_content=None, num_threads=None, experimental_delegates=None):
        data = model_content if model_content is not None else open(model_path, "rb").read()
        if bytes(data[4:8]) != b"TFL3":
            raise ValueError("Model provided has model identifier '%s', should be 'TFL3'\n"
                             % bytes(data[4:8]).decode("latin-1"))
        buf = bytearray(data)
        model = Table(buf, flatbuffers.encode.Get(N.UOffsetTFlags.packer_type, buf, 0))
        codes = []
        for c in _tables(model, 1):
            codes.append(max(_scalar(c, 0, N.Int8Flags), _scalar(c, 3, N.Int32Flags)))
        self._buffers = []
        for bt in _tables(model, 4):
            o = _field(bt, 0)
            self._buffers.append(bytes(bt.GetVectorAsNumpy(N.Uint8Flags, o)) if o else b"")
        graph = _tables(model, 2)[0]
        self._tensors = []
        for t in _tables(graph, 0):
            o = _field(t, 3)
            name = t.String(o + t.Pos).decode() if o else ""
            self._tensors.append({"name": name, "shape": _ints(t, 0), "type": _scalar(t, 1, N.Int8Flags),
                                  "buffer": _scalar(t, 2, N.Uint32Flags)})
        self._inputs, self._outputs = _ints(graph, 1), _ints(graph, 2)
        self._ops = []
        for op in _tables(graph, 3):
            self._ops.append({"code": codes[_scalar(op, 0, N.Uint32Flags)], "inputs": _ints(op, 1),
                              "outputs": _ints(op, 2), "options": _table(op, 4)})
        self._values = {}
        self._allocated = False

    def allocate_tensors(self):
        for op in self._ops:
            if op["code"] not in OPS:
                raise RuntimeError("Didn't find op for builtin opcode %d (stand-in interpreter)" % op["code"])
        for i, t in enumerate(self._tensors):
            if t["buffer"] and self._buffers[t["buffer"]]:
                self._values[i] = np.frombuffer(self._buffers[t["buffer"]], TYPES[t["type"]]).reshape(t["shape"])
        self._allocated = True

    def _details(self, indexes):
        return [{"name": self._tensors[i]["name"], "index": i, "shape": np.array(self._tensors[i]["shape"], np.int32),
                 "shape_signature": np.array(self._tensors[i]["shape"], np.int32),
                 "dtype": TYPES[self._tensors[i]["type"]], "quantization": (0.0, 0),
                 "quantization_parameters": {"scales": np.array([], np.float32),
                                             "zero_points": np.array([], np.int32), "quantized_dimension": 0},
                 "sparsity_parameters": {}} for i in indexes]

    def get_input_details(self):
        return self._details(self._inputs)

    def get_output_details(self):
        return self._details(self._outputs)

    def set_tensor(self, tensor_index, value):
        if not self._allocated:
            raise ValueError("Cannot set tensor: Invalid tensor index %d exceeds max tensor index 0" % tensor_index)
        t = self._tensors[tensor_index]
        value = np.asarray(value)
        want = TYPES[t["type"]]
        if value.dtype != want:
            got = {np.dtype(np.float64): "FLOAT64"}.get(value.dtype, str(value.dtype).upper())
            raise ValueError("Cannot set tensor: Got value of type %s but expected type %s for input %d, name: %s "
                             % (got, TYPE_NAMES[t["type"]], tensor_index, t["name"]))
        if list(value.shape) != t["shape"]:
            if value.ndim != len(t["shape"]):
                raise ValueError("Cannot set tensor: Dimension mismatch. Got %d but expected %d for input %d."
                                 % (value.ndim, len(t["shape"]), tensor_index))
            d = next(i for i, (a, b) in enumerate(zip(value.shape, t["shape"])) if a != b)
            raise ValueError("Cannot set tensor: Dimension mismatch. Got %d but expected %d for dimension %d of input %d."
                             % (value.shape[d], t["shape"][d], d, tensor_index))
        self._values[tensor_index] = value.copy()

    def invoke(self):
        v = self._values
        for op in self._ops:
            x = [v[i] if i >= 0 else None for i in op["inputs"]]
            opt, code = op["options"], op["code"]
            if code == 3:  # CONV_2D: NHWC input, OHWI filter
                pad, sw, sh, act = (_scalar(opt, s, f) for s, f in ((0, N.Int8Flags), (1, N.Int32Flags),
                                                                  (2, N.Int32Flags), (3, N.Int8Flags)))
                inp, w = x[0].astype(np.float32), x[1]
                n, h, wd, c = inp.shape
                o, kh, kw, _ = w.shape
                if pad == 0:
                    oh, pt, pb = _same_pad(h, kh, sh)
                    ow, pl, pr = _same_pad(wd, kw, sw)
                else:
                    oh, ow, pt, pb, pl, pr = (h - kh) // sh + 1, (wd - kw) // sw + 1, 0, 0, 0, 0
                padded = np.pad(inp, ((0, 0), (pt, pb), (pl, pr), (0, 0)))
                cols = np.stack([padded[:, i:i + sh * oh:sh, j:j + sw * ow:sw, :] for i in range(kh) for j in range(kw)],
                                axis=3)  # N, OH, OW, KH*KW, C
                out = cols.reshape(n, oh, ow, kh * kw * c) @ w.reshape(o, kh * kw * c).T
                if x[2] is not None:
                    out = out + x[2]
                v[op["outputs"][0]] = _act(out, act).astype(np.float32)
            elif code == 40:  # MEAN
                keep = bool(_scalar(opt, 0, N.BoolFlags)) if opt else False
                v[op["outputs"][0]] = x[0].mean(axis=tuple(int(a) for a in x[1]), keepdims=keep).astype(np.float32)
            elif code == 9:  # FULLY_CONNECTED: weights [out, in]
                act = _scalar(opt, 0, N.Int8Flags) if opt else 0
                out = x[0].reshape(-1, x[1].shape[1]) @ x[1].T
                if len(x) > 2 and x[2] is not None:
                    out = out + x[2]
                v[op["outputs"][0]] = _act(out, act).astype(np.float32)
            elif code == 25:  # SOFTMAX
                beta = _scalar(opt, 0, N.Float32Flags, 1.0) if opt else 1.0
                e = np.exp(beta * (x[0] - x[0].max(axis=-1, keepdims=True)))
                v[op["outputs"][0]] = (e / e.sum(axis=-1, keepdims=True)).astype(np.float32)
            elif code == 0:  # ADD
                v[op["outputs"][0]] = _act(x[0] + x[1], _scalar(opt, 0, N.Int8Flags) if opt else 0)
            elif code == 22:  # RESHAPE
                v[op["outputs"][0]] = x[0].reshape(self._tensors[op["outputs"][0]]["shape"])
            else:
                raise RuntimeError("operator %s is not implemented by the stand-in interpreter" % OPS[code])

    def get_tensor(self, tensor_index):
        if tensor_index not in self._values:
            raise ValueError("Tensor data is null. Run allocate_tensors() first")
        return self._values[tensor_index].copy()
