# Test inputs. fixed: the course's curl test needs bus.jpg, which only existed because step 1 downloaded it
# as a side effect. assets=download fetches Ultralytics' bus.jpg (810x1080); offline (or when the download
# failed) this draws a street scene of the same size. Also writes clip.avi (a short video for webcam.py
# --source), notes.txt (text, which the server must refuse) and keeps an existing bus.jpg.
import os

import cv2
import numpy as np

if not os.path.exists("bus.jpg"):
    img = np.full((1080, 810, 3), (200, 200, 190), np.uint8)
    img[700:] = (90, 90, 90)  # the road
    cv2.rectangle(img, (60, 330), (760, 800), (30, 200, 240), -1)  # a yellow bus
    for x in range(90, 720, 130):
        cv2.rectangle(img, (x, 380), (x + 100, 520), (120, 80, 40), -1)  # windows
    for cx in (190, 630):
        cv2.circle(img, (cx, 800), 60, (20, 20, 20), -1)  # wheels
    for x in (40, 300, 560, 720):  # people
        cv2.circle(img, (x + 25, 640), 22, (150, 180, 220), -1)
        cv2.rectangle(img, (x, 665), (x + 50, 880), (60, 60, 160), -1)
    cv2.imwrite("bus.jpg", img)
    print("drew bus.jpg (810x1080)")
else:
    print("bus.jpg is already here: keeping it")

img = cv2.imread("bus.jpg")
h, w = img.shape[:2]
writer = cv2.VideoWriter("clip.avi", cv2.VideoWriter_fourcc(*"MJPG"), 10, (w // 2, h // 2))
for i in range(30):
    frame = np.roll(img, i * 8, axis=1)  # the scene pans
    writer.write(cv2.resize(frame, (w // 2, h // 2)))
writer.release()
print("wrote clip.avi (30 frames, %dx%d)" % (w // 2, h // 2))

with open("notes.txt", "w") as f:
    f.write("This is text, not an image.\n")
