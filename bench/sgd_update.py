"""Times PyTorch's SGD update alone (lr 0.01, momentum 0.9, weight decay 5e-4) over the reference models'
parameters: the default per-tensor loop, foreach and fused; 2 threads, median of 25 updates after 5.

    .venv/bin/python bench/sgd_update.py
"""
import os
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
import reference_models  # noqa: E402

torch.set_num_threads(2)
for name in ("resnet18", "resnet20"):
    model = reference_models.build(name)
    for p in model.parameters():
        p.grad = torch.randn_like(p)
    for variant in ({}, {"foreach": True}, {"fused": True}):
        opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4, **variant)
        times = []
        for _ in range(30):
            t0 = time.perf_counter()
            opt.step()
            times.append(time.perf_counter() - t0)
        print(f"{name} {next(iter(variant), 'loop')}: {statistics.median(times[5:]) * 1000:.2f} ms")
