# Week 29, step 2: the course says "put your sample JPG/PNG images here" and gives none, so its sample response
# (bike1.jpg ...) cannot be checked. fixed (ailab): this script draws a small labelled set, free of any licence:
# bike1-3.jpg (a man riding a bicycle on a street), dog1-3.jpg (a dog playing in a park), cat1-3.png (a cat on a
# sofa indoors). Your own images work too: step 2 keeps images/ when it already holds some.
#   python make_images.py images            the 9 images
#   python make_images.py upload --only bike --seed 7 -n 1   one more (the upload endpoint's test)
import argparse
import math
import os
import random

from PIL import Image, ImageDraw

SIZE = 224


def jitter(rng, value, spread):
    return value + rng.uniform(-spread, spread)


def color(rng, base, spread=30):
    return tuple(max(0, min(255, int(c + rng.uniform(-spread, spread)))) for c in base)


def draw_bike(rng):
    img = Image.new("RGB", (SIZE, SIZE), color(rng, (170, 200, 230)))  # sky
    d = ImageDraw.Draw(img)
    d.rectangle([0, 160, SIZE, SIZE], fill=color(rng, (110, 110, 115)))  # street
    d.line([0, 192, SIZE, 192], fill=(240, 240, 240), width=3)
    x0, y0, r = jitter(rng, 70, 12), jitter(rng, 160, 6), jitter(rng, 30, 4)
    x1 = x0 + jitter(rng, 90, 8)
    frame = color(rng, rng.choice([(200, 30, 30), (30, 60, 200), (20, 140, 60)]), 20)
    for cx in (x0, x1):  # wheels and spokes
        d.ellipse([cx - r, y0 - r, cx + r, y0 + r], outline=(20, 20, 20), width=5)
        for a in range(0, 180, 45):
            dx, dy = r * math.cos(math.radians(a)), r * math.sin(math.radians(a))
            d.line([cx - dx, y0 - dy, cx + dx, y0 + dy], fill=(90, 90, 90), width=1)
    seat = (x0 + 30, y0 - 45)
    bar = (x1 - 8, y0 - 50)
    crank = ((x0 + x1) / 2, y0)
    for a, b in ((( x0, y0), seat), (seat, crank), (crank, (x0, y0)), (crank, bar), (bar, (x1, y0)), (seat, bar)):
        d.line([*a, *b], fill=frame, width=5)
    # the rider: legs to the crank, body, arms to the bar, head
    hip = (seat[0], seat[1] - 4)
    shoulder = (seat[0] + 22, seat[1] - 50)
    skin = color(rng, (230, 190, 150), 15)
    shirt = color(rng, (240, 200, 40), 40)
    d.line([*hip, crank[0] + 8, crank[1] - 6], fill=(40, 40, 90), width=7)
    d.line([*hip, *shoulder], fill=shirt, width=12)
    d.line([*shoulder, *bar], fill=shirt, width=6)
    d.ellipse([shoulder[0] - 11, shoulder[1] - 30, shoulder[0] + 11, shoulder[1] - 8], fill=skin)
    return img


def draw_dog(rng):
    img = Image.new("RGB", (SIZE, SIZE), color(rng, (150, 200, 245)))  # sky
    d = ImageDraw.Draw(img)
    d.rectangle([0, 120, SIZE, SIZE], fill=color(rng, (70, 160, 60)))  # park lawn
    for _ in range(2):  # trees
        tx = rng.uniform(10, SIZE - 10)
        d.rectangle([tx - 4, 80, tx + 4, 125], fill=(100, 70, 40))
        d.ellipse([tx - 22, 45, tx + 22, 95], fill=color(rng, (40, 120, 40), 15))
    fur = color(rng, rng.choice([(150, 100, 50), (200, 160, 90), (60, 45, 35)]), 20)
    x, y = jitter(rng, 100, 15), jitter(rng, 160, 8)
    d.ellipse([x - 45, y - 22, x + 45, y + 22], fill=fur)  # body
    for lx in (x - 35, x - 20, x + 20, x + 35):  # legs
        d.rectangle([lx - 5, y + 10, lx + 5, y + 45], fill=fur)
    hx, hy = x + 50, y - 30
    d.ellipse([hx - 22, hy - 20, hx + 22, hy + 20], fill=fur)  # head
    d.ellipse([hx + 10, hy - 6, hx + 34, hy + 10], fill=fur)  # snout
    d.ellipse([hx + 28, hy - 4, hx + 36, hy + 4], fill=(10, 10, 10))  # nose
    d.ellipse([hx - 22, hy - 14, hx - 8, hy + 22], fill=color(rng, fur, 30))  # floppy ear
    d.ellipse([hx + 2, hy - 10, hx + 8, hy - 4], fill=(10, 10, 10))  # eye
    d.line([x - 45, y - 5, x - 70, y - 35], fill=fur, width=7)  # tail up: playing
    bx = jitter(rng, 190, 10)
    d.ellipse([bx - 10, 185, bx + 10, 205], fill=color(rng, (230, 40, 40), 20))  # a ball
    return img


def draw_cat(rng):
    img = Image.new("RGB", (SIZE, SIZE), color(rng, (235, 220, 190)))  # wall
    d = ImageDraw.Draw(img)
    sofa = color(rng, rng.choice([(120, 40, 60), (50, 70, 130), (90, 90, 90)]), 20)
    d.rectangle([0, 150, SIZE, SIZE], fill=color(rng, (150, 110, 70)))  # floor
    d.rounded_rectangle([15, 110, SIZE - 15, 190], radius=15, fill=sofa)  # sofa
    d.rectangle([30, 60, 80, 100], outline=(120, 90, 60), width=4)  # a picture on the wall
    fur = color(rng, rng.choice([(130, 130, 130), (230, 140, 50), (30, 30, 30)]), 15)
    x, y = jitter(rng, 115, 15), jitter(rng, 130, 5)
    d.ellipse([x - 30, y - 20, x + 30, y + 40], fill=fur)  # sitting body
    hx, hy = x, y - 35
    d.ellipse([hx - 24, hy - 22, hx + 24, hy + 22], fill=fur)  # round head
    d.polygon([(hx - 22, hy - 8), (hx - 16, hy - 40), (hx - 2, hy - 18)], fill=fur)  # pointed ears
    d.polygon([(hx + 22, hy - 8), (hx + 16, hy - 40), (hx + 2, hy - 18)], fill=fur)
    for ex in (hx - 9, hx + 9):  # green eyes
        d.ellipse([ex - 5, hy - 6, ex + 5, hy + 2], fill=(90, 200, 60))
        d.line([ex, hy - 5, ex, hy + 1], fill=(0, 0, 0), width=2)
    d.polygon([(hx - 3, hy + 6), (hx + 3, hy + 6), (hx, hy + 10)], fill=(240, 130, 150))  # nose
    for s in (-1, 1):  # whiskers
        for dy in (-2, 4):
            d.line([hx + s * 6, hy + 9, hx + s * 34, hy + 9 + dy], fill=(250, 250, 250), width=1)
    d.arc([x + 10, y + 5, x + 70, y + 50], start=180, end=330, fill=fur, width=7)  # tail
    return img


DRAW = {"bike": draw_bike, "dog": draw_dog, "cat": draw_cat}
EXT = {"bike": "jpg", "dog": "jpg", "cat": "png"}


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("folder", nargs="?", default="images")
    parser.add_argument("-n", type=int, default=3, help="images per kind")
    parser.add_argument("--only", choices=sorted(DRAW), help="one kind")
    parser.add_argument("--seed", type=int, default=29)
    parser.add_argument("--prefix", default="", help="before each file name, e.g. new_")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    os.makedirs(args.folder, exist_ok=True)
    for kind in [args.only] if args.only else list(DRAW):
        for i in range(1, args.n + 1):
            path = os.path.join(args.folder, f"{args.prefix}{kind}{i}.{EXT[kind]}")
            DRAW[kind](rng).save(path)
            print(path)


if __name__ == "__main__":
    main()
