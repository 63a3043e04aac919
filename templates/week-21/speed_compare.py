"""Compare YOLOv5 detect.py runs from their logs (course step 7, "Compare FPS with PyTorch vs TensorRT").

detect.py ends with one line per run:
  Speed: 1.4ms pre-process, 18.0ms inference, 1.4ms NMS per image at shape (1, 3, 640, 640)
Usage: python speed_compare.py logs/detect-pt.log logs/detect-engine.log [> speed.json]
Prints a JSON summary (per log: the three times, FPS from inference alone and end to end) and, last,
`speedup=X.XX` (first log's inference time over the second's).
"""

import json
import re
import sys

SPEED = re.compile(
    r"Speed: (?P<pre>[\d.]+)ms pre-process, (?P<inference>[\d.]+)ms inference, "
    r"(?P<nms>[\d.]+)ms NMS per image at shape \((?P<shape>[\d, ]+)\)"
)


def parse(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    found = list(SPEED.finditer(text))
    if not found:
        sys.exit(f"{path}: no 'Speed: ...ms inference...' line (did detect.py finish?)")
    m = found[-1]
    pre, inference, nms = (float(m.group(k)) for k in ("pre", "inference", "nms"))
    total = pre + inference + nms
    return {
        "log": path,
        "pre_ms": pre,
        "inference_ms": inference,
        "nms_ms": nms,
        "shape": [int(x) for x in m.group("shape").split(",")],
        "fps_inference": round(1000.0 / inference, 2) if inference else None,
        "fps_end_to_end": round(1000.0 / total, 2) if total else None,
    }


def main(argv):
    if len(argv) != 3:
        sys.exit("usage: speed_compare.py BASELINE.log OPTIMIZED.log")
    base, fast = parse(argv[1]), parse(argv[2])
    speedup = round(base["inference_ms"] / fast["inference_ms"], 2)
    print(json.dumps({"baseline": base, "optimized": fast, "speedup": speedup}, indent=2))
    print(f"speedup={speedup}")


if __name__ == "__main__":
    main(sys.argv)
