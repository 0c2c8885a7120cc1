"""timm's Mixup (timm/data/mixup.py, mode 'batch') on a fixed batch with its random draws given, for MixupParityTest.

    python tools/timm_mixup_reference.py N C H W CLASSES SMOOTHING MIXUP_ALPHA CUTMIX_ALPHA SWITCH_PROB U_PROB U_SWITCH LAM CY CX

The batch is arange(N*C*H*W)/1000 shaped [N, C, H, W] with labels i % CLASSES. np.random.rand returns U_PROB, then
U_SWITCH; np.random.beta returns LAM; np.random.randint returns CY, then CX. Prints JSON: lam, images, targets.
timm's package import needs torchvision, so the one file is loaded by path.
"""
import glob
import importlib.util
import json
import os
import sys
import types

import numpy as np
import torch


def timm_mixup():
    import site
    for d in site.getsitepackages():
        path = os.path.join(d, "timm", "data", "mixup.py")
        if os.path.exists(path):
            spec = importlib.util.spec_from_file_location("timm_mixup", path)
            m = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(m)
            return m
    raise SystemExit("timm's sources not found in " + str(site.getsitepackages()))


def main():
    n, c, h, w, classes = (int(v) for v in sys.argv[1:6])
    smoothing, mixup, cutmix, switch, u_prob, u_switch, lam = (float(v) for v in sys.argv[6:13])
    cy, cx = int(sys.argv[13]), int(sys.argv[14])
    m = timm_mixup()
    rands = [u_prob, u_switch]
    ints = [cy, cx]
    fake = types.SimpleNamespace(
        rand=lambda *a: rands.pop(0),
        beta=lambda a, b, size=None: lam,
        randint=lambda lo, hi, size=None: ints.pop(0))
    m.np = types.SimpleNamespace(**{k: getattr(np, k) for k in dir(np) if not k.startswith("__")})
    m.np.random = fake
    x = torch.arange(n * c * h * w, dtype=torch.float32).reshape(n, c, h, w) / 1000
    y = torch.arange(n) % classes
    mix = m.Mixup(mixup_alpha=mixup, cutmix_alpha=cutmix, prob=0.5, switch_prob=switch, mode="batch",
                  label_smoothing=smoothing, num_classes=classes)
    lam_used = mix._mix_batch(x)
    target = m.mixup_target(y, classes, lam_used, smoothing)
    print(json.dumps({"lam": float(lam_used), "images": x.flatten().tolist(), "targets": target.flatten().tolist()}))


if __name__ == "__main__":
    main()
