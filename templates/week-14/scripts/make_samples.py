# Not in the course (ailab): the course sends "path/to/image.jpg" but ships no image. This writes the files the
# lab sends to the API: dog.jpg (drawn with Pillow, unless you downloaded or copied your own: it is kept),
# dog.png (the same picture as a PNG), notes.txt (not an image) and broken.jpg (text named like a JPEG).
import os

from PIL import Image, ImageDraw

if os.path.exists("dog.jpg"):
    print("dog.jpg is already here: keeping it")
else:
    img = Image.new("RGB", (320, 240), (120, 170, 90))
    draw = ImageDraw.Draw(img)
    draw.ellipse((100, 60, 220, 180), fill=(235, 235, 225))  # a white head
    draw.ellipse((80, 60, 120, 130), fill=(220, 220, 210))  # ears
    draw.ellipse((200, 60, 240, 130), fill=(220, 220, 210))
    draw.ellipse((135, 100, 150, 115), fill=(20, 20, 20))  # eyes
    draw.ellipse((170, 100, 185, 115), fill=(20, 20, 20))
    draw.ellipse((150, 135, 170, 150), fill=(30, 30, 30))  # nose
    img.save("dog.jpg", "JPEG")
    print("wrote dog.jpg (320x240)")
Image.open("dog.jpg").convert("RGB").save("dog.png", "PNG")
with open("notes.txt", "w") as f:
    f.write("not an image\n")
with open("broken.jpg", "w") as f:
    f.write("this is text, not a JPEG\n")
print("wrote dog.png, notes.txt and broken.jpg")
