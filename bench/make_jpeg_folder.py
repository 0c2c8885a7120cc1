"""Writes an ImageNet-like folder of JPEGs from CIFAR-10: each 32x32 image upscaled (bicubic) to 500x375 with
Gaussian noise added, saved at quality 90 -- the size, aspect and file size (~100 KB) of a typical ImageNet photo.

    python bench/make_jpeg_folder.py --cifar ../shared/datasets/cifar-10-batches-bin --out /tmp/jpegs --train 5000 --val 500

Layout: OUT/train/<class>/<n>.jpg and OUT/val/<class>/<n>.jpg (torchvision's ImageFolder, ImageNet's layout).
--copies K adds K-1 hard links of every training image under other names (<n>_<k>.jpg): a folder of K times the
files for measurements of memory against dataset size, at the disk cost of one. Never write large folders into the
repository.
"""
import argparse
import os
import sys
import time

import numpy as np
from PIL import Image


def cifar_records(cifar_dir):
    names = [l.strip() for l in open(os.path.join(cifar_dir, "batches.meta.txt")) if l.strip()]
    for f in ["data_batch_%d.bin" % i for i in range(1, 6)] + ["test_batch.bin"]:
        raw = np.fromfile(os.path.join(cifar_dir, f), dtype=np.uint8).reshape(-1, 3073)
        for rec in raw:
            yield names[rec[0]], rec[1:].reshape(3, 32, 32).transpose(1, 2, 0)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--cifar", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--train", type=int, default=5000)
    p.add_argument("--val", type=int, default=500)
    p.add_argument("--width", type=int, default=500)
    p.add_argument("--height", type=int, default=375)
    p.add_argument("--quality", type=int, default=90)
    p.add_argument("--noise", type=float, default=16.0, help="std of the added Gaussian noise, grey levels")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--copies", type=int, default=1, help="names per training image (hard links)")
    a = p.parse_args()
    rng = np.random.default_rng(a.seed)
    records = cifar_records(a.cifar)
    total = a.train + a.val
    start = time.time()
    for n in range(total):
        cls, img = next(records)
        split = "train" if n < a.train else "val"
        d = os.path.join(a.out, split, cls)
        os.makedirs(d, exist_ok=True)
        big = np.asarray(Image.fromarray(img).resize((a.width, a.height), Image.BICUBIC), dtype=np.float32)
        big += rng.normal(0, a.noise, big.shape).astype(np.float32)
        out = Image.fromarray(np.clip(big + 0.5, 0, 255).astype(np.uint8))
        tmp = os.path.join(d, ".%06d.jpg.part" % n)
        out.save(tmp, format="JPEG", quality=a.quality)
        final = os.path.join(d, "%06d.jpg" % n)
        os.replace(tmp, final)
        if split == "train":
            for k in range(1, a.copies):
                os.link(final, os.path.join(d, "%06d_%d.jpg" % (n, k)))
        if (n + 1) % 500 == 0 or n + 1 == total:
            rate = (n + 1) / (time.time() - start)
            sys.stderr.write("\r%d/%d images, %.0f/s, %.0f s left   " % (n + 1, total, rate, (total - n - 1) / rate))
    sys.stderr.write("\n")


if __name__ == "__main__":
    main()
