"""Pillow references for resnet4j's image pipeline tests (torchvision's PIL path is Pillow underneath).

    python tools/pil_reference.py make-images DIR     photo-like test images (JPEG in several layouts, PNG)
    python tools/pil_reference.py eval DIR RESIZE CROP bilinear|bicubic
        for every image in DIR: Resize(RESIZE) + CenterCrop(CROP) as torchvision's PIL path does it,
        written as DIR/<name>.eval.rgb (raw RGB bytes)
    python tools/pil_reference.py resize DIR W H X0 Y0 X1 Y1 bilinear|bicubic
        Image.resize((W, H), box=(X0, Y0, X1, Y1)) of every PNG, as DIR/<name>.resize.rgb
    python tools/pil_reference.py ops DIR          torchvision's PIL ops of TrivialAugmentWide and ColorJitter on
                                                   DIR/ops.png, as DIR/ops.<op>.rgb
    python tools/pil_reference.py rrc W H N SEED   N crops of torchvision's RandomResizedCrop.get_params
                                                   (torch's RNG) for a WxH image, one "i j h w" line each
"""
import math
import os
import sys

import numpy as np
from PIL import Image, ImageEnhance, ImageOps

FILTERS = {"bilinear": Image.BILINEAR, "bicubic": Image.BICUBIC}


def make_images(d):
    os.makedirs(d, exist_ok=True)
    rng = np.random.default_rng(0)

    def photo(w, h):
        y, x = np.mgrid[0:h, 0:w].astype(np.float32)
        img = np.stack([128 + 100 * np.sin(x / 37.0 + y / 53.0), 128 + 90 * np.cos(y / 23.0),
                        (x * 255.0 / w + y * 80.0 / h) % 256], axis=-1)
        for _ in range(12):  # hard edges, as objects have
            cx, cy, r = rng.integers(0, w), rng.integers(0, h), rng.integers(10, max(11, min(w, h) // 3))
            img[(x - cx) ** 2 + (y - cy) ** 2 < r * r] = rng.integers(0, 256, 3)
        img += rng.normal(0, 10, img.shape)
        return Image.fromarray(np.clip(img, 0, 255).astype(np.uint8))

    photo(500, 375).save(os.path.join(d, "a_500x375.jpg"), quality=90)
    photo(375, 500).save(os.path.join(d, "b_375x500.jpg"), quality=85, subsampling=0)  # 4:4:4
    photo(640, 427).save(os.path.join(d, "c_640x427.jpg"), quality=95, progressive=True)
    photo(301, 199).save(os.path.join(d, "d_301x199.jpg"), quality=75)
    photo(480, 360).convert("L").save(os.path.join(d, "e_grey.jpg"), quality=90)
    photo(1200, 900).save(os.path.join(d, "f_1200x900.jpg"), quality=90)
    photo(333, 250).save(os.path.join(d, "g_333x250.png"))
    photo(96, 80).save(os.path.join(d, "ops.png"))


def images(d):
    return sorted(f for f in os.listdir(d) if f.endswith((".jpg", ".png")) and not f.startswith("ops"))


def resized_size(w, h, size):
    short, long = (w, h) if w <= h else (h, w)
    new_short, new_long = size, int(size * long / short)
    return (new_short, new_long) if w <= h else (new_long, new_short)


def eval_transform(d, resize, crop, interp):
    for f in images(d):
        img = Image.open(os.path.join(d, f)).convert("RGB")
        img = img.resize(resized_size(img.width, img.height, resize), FILTERS[interp])
        top = int(round((img.height - crop) / 2.0))
        left = int(round((img.width - crop) / 2.0))
        img = img.crop((left, top, left + crop, top + crop))
        open(os.path.join(d, f + ".eval.rgb"), "wb").write(np.asarray(img).tobytes())


def resize_box(d, w, h, box, interp):
    for f in [f for f in images(d) if f.endswith(".png")]:
        img = Image.open(os.path.join(d, f)).convert("RGB")
        out = img.resize((w, h), FILTERS[interp], box=box)
        open(os.path.join(d, f + ".resize.rgb"), "wb").write(np.asarray(out).tobytes())


def inverse_affine(center, angle, translate, scale, shear):
    # torchvision.transforms.functional._get_inverse_affine_matrix
    rot = math.radians(angle)
    sx, sy = math.radians(shear[0]), math.radians(shear[1])
    cx, cy = center
    tx, ty = translate
    a = math.cos(rot - sy) / math.cos(sy)
    b = -math.cos(rot - sy) * math.tan(sx) / math.cos(sy) - math.sin(rot)
    c = math.sin(rot - sy) / math.cos(sy)
    d = -math.sin(rot - sy) * math.tan(sx) / math.cos(sy) + math.cos(rot)
    matrix = [d, -b, 0.0, -c, a, 0.0]
    matrix = [x / scale for x in matrix]
    matrix[2] += matrix[0] * (-cx - tx) + matrix[1] * (-cy - ty)
    matrix[5] += matrix[3] * (-cx - tx) + matrix[4] * (-cy - ty)
    matrix[2] += cx
    matrix[5] += cy
    return matrix


def affine(img, angle, translate, shear, center=None):
    # torchvision.transforms.functional.affine on a PIL image (NEAREST, fill 0)
    if center is None:
        center = [img.width * 0.5, img.height * 0.5]
    m = inverse_affine(center, angle, translate, 1.0, shear)
    return img.transform(img.size, Image.AFFINE, m, Image.NEAREST, fillcolor=(0, 0, 0))


def hue(img, factor):
    # torchvision.transforms._functional_pil.adjust_hue
    h, s, v = img.convert("HSV").split()
    np_h = np.array(h, dtype=np.uint8)
    with np.errstate(over="ignore"):
        np_h += np.uint8(int(factor * 255) & 0xFF)
    return Image.merge("HSV", (Image.fromarray(np_h, "L"), s, v)).convert("RGB")


OPS = {
    "shear_x": lambda im: affine(im, 0.0, [0, 0], [math.degrees(math.atan(0.3)), 0.0], center=[0, 0]),
    "shear_y": lambda im: affine(im, 0.0, [0, 0], [0.0, math.degrees(math.atan(-0.5))], center=[0, 0]),
    "translate_x": lambda im: affine(im, 0.0, [int(-12.8), 0], [0.0, 0.0]),
    "translate_y": lambda im: affine(im, 0.0, [0, int(9.6)], [0.0, 0.0]),
    "rotate": lambda im: im.rotate(31.5, Image.NEAREST, False, None, fillcolor=(0, 0, 0)),
    "rotate_neg": lambda im: im.rotate(-117.0, Image.NEAREST, False, None, fillcolor=(0, 0, 0)),
    "brightness": lambda im: ImageEnhance.Brightness(im).enhance(1.66),
    "brightness_low": lambda im: ImageEnhance.Brightness(im).enhance(0.37),
    "color": lambda im: ImageEnhance.Color(im).enhance(1.5),
    "color_low": lambda im: ImageEnhance.Color(im).enhance(0.2),
    "contrast": lambda im: ImageEnhance.Contrast(im).enhance(1.8),
    "contrast_low": lambda im: ImageEnhance.Contrast(im).enhance(0.4),
    "sharpness": lambda im: ImageEnhance.Sharpness(im).enhance(1.9),
    "sharpness_low": lambda im: ImageEnhance.Sharpness(im).enhance(0.1),
    "posterize": lambda im: ImageOps.posterize(im, 3),
    "solarize": lambda im: ImageOps.solarize(im, 110.5),
    "autocontrast": lambda im: ImageOps.autocontrast(im),
    "equalize": lambda im: ImageOps.equalize(im),
    "hue": lambda im: hue(im, 0.21),
    "hue_neg": lambda im: hue(im, -0.33),
}


def ops(d):
    img = Image.open(os.path.join(d, "ops.png")).convert("RGB")
    for name, fn in OPS.items():
        out = fn(img.copy()).convert("RGB")
        open(os.path.join(d, "ops." + name + ".rgb"), "wb").write(np.asarray(out).tobytes())


def rrc(width, height, n, seed, scale=(0.08, 1.0), ratio=(3.0 / 4.0, 4.0 / 3.0)):
    # torchvision.transforms.RandomResizedCrop.get_params, verbatim but for the image argument
    import torch
    torch.manual_seed(seed)
    area = height * width
    log_ratio = torch.log(torch.tensor(ratio))
    for _ in range(n):
        for _ in range(10):
            target_area = area * torch.empty(1).uniform_(scale[0], scale[1]).item()
            aspect_ratio = torch.exp(torch.empty(1).uniform_(log_ratio[0], log_ratio[1])).item()
            w = int(round(math.sqrt(target_area * aspect_ratio)))
            h = int(round(math.sqrt(target_area / aspect_ratio)))
            if 0 < w <= width and 0 < h <= height:
                i = torch.randint(0, height - h + 1, size=(1,)).item()
                j = torch.randint(0, width - w + 1, size=(1,)).item()
                break
        else:
            in_ratio = float(width) / float(height)
            if in_ratio < min(ratio):
                w = width
                h = int(round(w / min(ratio)))
            elif in_ratio > max(ratio):
                h = height
                w = int(round(h * max(ratio)))
            else:
                w, h = width, height
            i = (height - h) // 2
            j = (width - w) // 2
        print(i, j, h, w)


def main():
    cmd = sys.argv[1]
    if cmd == "make-images":
        make_images(sys.argv[2])
    elif cmd == "eval":
        eval_transform(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
    elif cmd == "resize":
        w, h = int(sys.argv[3]), int(sys.argv[4])
        box = tuple(float(v) for v in sys.argv[5:9])
        resize_box(sys.argv[2], w, h, box, sys.argv[9])
    elif cmd == "ops":
        ops(sys.argv[2])
    elif cmd == "rrc":
        rrc(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
    else:
        raise SystemExit("unknown command " + cmd)


if __name__ == "__main__":
    main()
