# The course tests the API with "an image (e.g., cat.jpg)" but ships none (ailab: fixed). This draws a
# stand-in picture with Pillow; put your own cat.jpg in the folder and it is kept.
import os

from PIL import Image, ImageDraw

if os.path.exists("cat.jpg"):
    print("cat.jpg is already here: keeping it")
else:
    img = Image.new("RGB", (320, 240), (200, 170, 120))
    draw = ImageDraw.Draw(img)
    draw.ellipse((90, 50, 230, 190), fill=(240, 150, 60))  # a head
    draw.polygon([(100, 80), (120, 20), (145, 65)], fill=(240, 150, 60))  # ears
    draw.polygon([(175, 65), (200, 20), (220, 80)], fill=(240, 150, 60))
    draw.ellipse((125, 100, 140, 115), fill=(20, 20, 20))  # eyes
    draw.ellipse((180, 100, 195, 115), fill=(20, 20, 20))
    img.save("cat.jpg", "JPEG")
    print("wrote cat.jpg (320x240)")
