"""The training input pipeline of torchvision's ImageNet recipe in Pillow + NumPy, one process (one core), on the
same files `resnet4j data bench --stream` reads: decode, RandomResizedCrop(224) with torchvision's sampling,
horizontal flip, to float CHW, normalise. Prints images/s and images per CPU-second (--json: one JSON object).

    python bench/pillow_pipeline.py /tmp/jpegs-5k/train --images 640 --warmup 64
"""
import argparse
import json
import math
import os
import random
import sys
import time

import numpy as np
from PIL import Image

MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32).reshape(3, 1, 1)
STD = np.array([0.229, 0.224, 0.225], dtype=np.float32).reshape(3, 1, 1)


def rrc_params(width, height, rng, scale=(0.08, 1.0), ratio=(3.0 / 4.0, 4.0 / 3.0)):
    # torchvision.transforms.RandomResizedCrop.get_params with Python's RNG
    area = height * width
    log_ratio = (math.log(ratio[0]), math.log(ratio[1]))
    for _ in range(10):
        target_area = area * rng.uniform(scale[0], scale[1])
        aspect_ratio = math.exp(rng.uniform(log_ratio[0], log_ratio[1]))
        w = int(round(math.sqrt(target_area * aspect_ratio)))
        h = int(round(math.sqrt(target_area / aspect_ratio)))
        if 0 < w <= width and 0 < h <= height:
            return rng.randint(0, height - h), rng.randint(0, width - w), h, w
    in_ratio = float(width) / float(height)
    if in_ratio < min(ratio):
        w, h = width, int(round(width / min(ratio)))
    elif in_ratio > max(ratio):
        h, w = height, int(round(height * max(ratio)))
    else:
        w, h = width, height
    return (height - h) // 2, (width - w) // 2, h, w


def sample(path, rng, size):
    with open(path, "rb") as f:
        img = Image.open(f)
        img = img.convert("RGB")
    i, j, h, w = rrc_params(img.width, img.height, rng)
    img = img.resize((size, size), Image.BILINEAR, box=(j, i, j + w, i + h))  # = crop + resize
    if rng.random() < 0.5:
        img = img.transpose(Image.FLIP_LEFT_RIGHT)
    x = np.asarray(img, dtype=np.uint8).transpose(2, 0, 1).astype(np.float32) / 255.0
    return (x - MEAN) / STD


def main():
    p = argparse.ArgumentParser()
    p.add_argument("folder")
    p.add_argument("--images", type=int, default=640)
    p.add_argument("--warmup", type=int, default=64)
    p.add_argument("--size", type=int, default=224)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--json", action="store_true")
    a = p.parse_args()
    files = []
    for root, _, names in os.walk(a.folder):
        files += [os.path.join(root, n) for n in names if n.lower().endswith((".jpg", ".jpeg", ".png"))]
    files.sort()
    rng = random.Random(a.seed)
    rng.shuffle(files)
    need = a.warmup + a.images
    files = (files * (need // max(1, len(files)) + 1))[:need]
    batch = np.empty((32, 3, a.size, a.size), dtype=np.float32)
    for k, f in enumerate(files[:a.warmup]):
        batch[k % 32] = sample(f, rng, a.size)
    start = time.perf_counter()
    cpu = time.process_time()
    for k, f in enumerate(files[a.warmup:]):
        batch[k % 32] = sample(f, rng, a.size)
    secs = time.perf_counter() - start
    cpu = time.process_time() - cpu
    r = {"library": "Pillow " + Image.__version__ + " + NumPy " + np.__version__, "images": a.images,
         "seconds": secs, "images_per_second": a.images / secs, "cpu_seconds": cpu,
         "images_per_cpu_second": a.images / cpu}
    print(json.dumps(r) if a.json else "Pillow: %.1f images/s, %.1f per CPU-second (%d images in %.2f s)"
          % (r["images_per_second"], r["images_per_cpu_second"], a.images, secs))


if __name__ == "__main__":
    main()
