# Course step 2: real-time detection on the webcam (press q to quit). ailab adds --source (a video file or
# a stream URL instead of camera 0), --headless (no window: on a server, or with the headless OpenCV) and
# --frames (stop after N frames), and prints the frame rate, which the lecture's < 100 ms budget is about.
# Usage: python webcam.py [--source 0|clip.avi] [--headless] [--frames N] [--model yolov8n.pt]
import argparse
import time

import cv2

from detector import annotate, load

p = argparse.ArgumentParser()
p.add_argument("--source", default="0", help="0 = default webcam, or a video file / stream URL")
p.add_argument("--model", default=None)
p.add_argument("--headless", action="store_true", help="no window")
p.add_argument("--frames", type=int, default=0, help="stop after this many frames (0: until q or the end)")
args = p.parse_args()

model = load(args.model)
cap = cv2.VideoCapture(int(args.source) if args.source.isdigit() else args.source)
if not cap.isOpened():
    raise SystemExit("cannot open video source %s (no camera? wrong path?)" % args.source)

frames, spent, objects = 0, 0.0, 0
while True:
    ret, frame = cap.read()
    if not ret:
        break
    start = time.perf_counter()
    detections = model.detect(frame)
    spent += time.perf_counter() - start
    frames += 1
    objects += len(detections)
    if not args.headless:
        try:
            cv2.imshow("YOLOv8 Real-Time", annotate(frame, detections))
        except cv2.error:
            raise SystemExit("this OpenCV has no GUI (opencv-python-headless?): pip uninstall "
                             "opencv-python-headless, reinstall opencv-python, or run with --headless")
        if cv2.waitKey(1) & 0xFF == ord("q"):
            break
    if args.frames and frames >= args.frames:
        break

cap.release()
if not args.headless:
    cv2.destroyAllWindows()
if frames:
    print("frames=%d objects=%d mean_ms=%.1f fps=%.1f" % (frames, objects, spent / frames * 1000, frames / spent))
else:
    raise SystemExit("no frame read from %s" % args.source)
