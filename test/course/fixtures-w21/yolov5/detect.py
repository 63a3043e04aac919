# Stand-in for YOLOv5 v6.1's detect.py (CI has no Jetson, no GPU, no TensorRT and cannot download
# yolov5s.pt). It takes detect.py's options, prints detect.py's header with the options given, then
# replays replay/detect-{pt,engine}.log (CONSTRUCTED in detect.py's format, see ../SOURCES.md) and
# writes the replayed labels (--save-txt) to runs/detect/<name>/labels. A webcam source (--source 0)
# or a missing weights file fails as the real one does on a machine without them.
import argparse
import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

p = argparse.ArgumentParser()
p.add_argument("--weights", nargs="+", default=["yolov5s.pt"])
p.add_argument("--source", default="data/images")
p.add_argument("--imgsz", "--img", "--img-size", nargs="+", type=int, default=[640])
p.add_argument("--conf-thres", type=float, default=0.25)
p.add_argument("--iou-thres", type=float, default=0.45)
p.add_argument("--device", default="")
p.add_argument("--view-img", action="store_true")
p.add_argument("--save-txt", action="store_true")
p.add_argument("--nosave", action="store_true")
p.add_argument("--project", default="runs/detect")
p.add_argument("--name", default="exp")
p.add_argument("--exist-ok", action="store_true")
p.add_argument("--half", action="store_true")
opt = p.parse_args()

weights = opt.weights[0]
imgsz = opt.imgsz * 2 if len(opt.imgsz) == 1 else opt.imgsz
print(
    f"detect: weights={opt.weights}, source={opt.source}, imgsz={imgsz}, conf_thres={opt.conf_thres}, "
    f"iou_thres={opt.iou_thres}, max_det=1000, device={opt.device}, view_img={opt.view_img}, "
    f"save_txt={opt.save_txt}, nosave={opt.nosave}, project={opt.project}, name={opt.name}, "
    f"exist_ok={opt.exist_ok}, half={opt.half}"
)
if opt.source.isnumeric():
    sys.exit(f"fake detect.py: no camera here; a live source ({opt.source}) is not replayed")
kind = {".pt": "pt", ".engine": "engine"}.get(os.path.splitext(weights)[1])
if kind is None:
    sys.exit(f"fake detect.py: no recording for weights {weights}")
if kind == "pt" and not os.path.exists(weights):
    print(f"Downloading https://github.com/ultralytics/yolov5/releases/download/v6.1/{weights} to {weights}...")
    with open(weights, "w") as f:
        f.write("stand-in weights\n")
if not os.path.isfile(weights):
    sys.exit(f"FileNotFoundError: {weights} does not exist")
if not os.path.isdir(opt.source):
    sys.exit(f"Exception: ERROR: {os.path.abspath(opt.source)} does not exist")

save_dir = os.path.join(opt.project, opt.name)
if os.path.exists(save_dir) and not opt.exist_ok:
    i = 2
    while os.path.exists(f"{save_dir}{i}"):
        i += 1
    save_dir = f"{save_dir}{i}"
os.makedirs(save_dir, exist_ok=True)
source = os.path.abspath(opt.source)
with open(os.path.join(HERE, "replay", f"detect-{kind}.log")) as f:
    print(f.read().replace("{source}", source), end="")
labels = 0
if opt.save_txt:
    os.makedirs(os.path.join(save_dir, "labels"), exist_ok=True)
    for name in sorted(os.listdir(os.path.join(HERE, "replay", "labels"))):
        if os.path.exists(os.path.join(source, name.replace(".txt", ".jpg"))):
            shutil.copy(os.path.join(HERE, "replay", "labels", name), os.path.join(save_dir, "labels", name))
            labels += 1
print(f"Results saved to {save_dir}")
if opt.save_txt:
    print(f"{labels} labels saved to {os.path.join(save_dir, 'labels')}")
