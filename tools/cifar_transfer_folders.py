"""Writes the two image-folder datasets of docs/transfer-learning.md from CIFAR-10's binary files.

    python tools/cifar_transfer_folders.py CIFAR_DIR OUT [--per-class 300] [--seed 0]

OUT/pretrain: airplane, automobile, bird, cat, deer with all their images (train/ 5,000 and test/ 1,000 a class).
OUT/finetune: dog, frog, horse, ship, truck with --per-class training images a class (drawn with --seed) and all
1,000 test images a class. Images are written as PNG, losslessly, so the folders hold CIFAR-10's pixels.
"""
import argparse
import os

import numpy as np
from PIL import Image

CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
PRETRAIN = CLASSES[:5]
FINETUNE = CLASSES[5:]


def read(path):
    raw = np.fromfile(path, dtype=np.uint8).reshape(-1, 3073)
    return raw[:, 0], raw[:, 1:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)


def write(root, split, labels, images, classes, keep):
    for c in classes:
        os.makedirs(os.path.join(root, split, c), exist_ok=True)
    for i in keep:
        name = CLASSES[labels[i]]
        Image.fromarray(images[i]).save(os.path.join(root, split, name, "%05d.png" % i))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("cifar")
    p.add_argument("out")
    p.add_argument("--per-class", type=int, default=300)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    parts = [read(os.path.join(a.cifar, "data_batch_%d.bin" % b)) for b in range(1, 6)]
    train_y = np.concatenate([x[0] for x in parts])
    train_x = np.concatenate([x[1] for x in parts])
    test_y, test_x = read(os.path.join(a.cifar, "test_batch.bin"))
    pre = [CLASSES.index(c) for c in PRETRAIN]
    fine = [CLASSES.index(c) for c in FINETUNE]
    root = os.path.join(a.out, "pretrain")
    write(root, "train", train_y, train_x, PRETRAIN, np.flatnonzero(np.isin(train_y, pre)))
    write(root, "test", test_y, test_x, PRETRAIN, np.flatnonzero(np.isin(test_y, pre)))
    rng = np.random.default_rng(a.seed)
    keep = np.concatenate([rng.choice(np.flatnonzero(train_y == c), a.per_class, replace=False) for c in fine])
    root = os.path.join(a.out, "finetune")
    write(root, "train", train_y, train_x, FINETUNE, np.sort(keep))
    write(root, "test", test_y, test_x, FINETUNE, np.flatnonzero(np.isin(test_y, fine)))


if __name__ == "__main__":
    main()
