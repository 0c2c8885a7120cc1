#!/usr/bin/env python3
"""Records PyTorch's own dynamic loss scaling (torch.amp.GradScaler) over fixed sequences of finite and
non-finite gradient steps, for LossScalerParityTest.

Run with PyTorch 2.13 (the CPU build is enough: GradScaler("cpu") runs the same ATen ops,
_amp_foreach_non_finite_check_and_unscale_ and _amp_update_scale_, on CPU tensors):

    .venv/bin/python tools/grad_scaler_fixture.py > src/test/resources/fixtures/grad_scaler.json

Each sequence trains two parameters w (4 values) and v (3 values) with SGD (lr 0.1) on the loss
sum(w * a) + sum(v * b), so the gradients are a and b: values given per step, some of them inf or NaN, some so
large that the scaled gradient overflows float32. For every step it records the gradients after unscale_,
whether the optimiser step was skipped, the scale and growth tracker after update(), and the weights.
Non-finite floats are written as the strings "inf", "-inf" and "nan".
"""
import json
import math
import sys

import torch

INF = float("inf")
NAN = float("nan")

SEQUENCES = [
    {   # PyTorch's defaults: scale 65536, growth 2.0 every 2000 good steps, backoff 0.5
        "name": "defaults",
        "init_scale": 65536.0, "growth_factor": 2.0, "backoff_factor": 0.5, "growth_interval": 2000,
        "steps": [
            ([0.5, -1.25, 3.0, 1e-6], [2.0, -0.75, 0.1]),
            ([0.5, INF, 3.0, 1e-6], [2.0, -0.75, 0.1]),
            ([0.5, -1.25, 3.0, 1e-6], [NAN, -0.75, 0.1]),
            ([0.3, -0.2, 0.7, 1e-8], [1.5, 2.5, -3.5]),
            ([1e38, -1.25, 3.0, 1e-6], [2.0, -0.75, 0.1]),   # finite, but times the scale it overflows
            ([0.3, -0.2, 0.7, 1e-8], [1.5, 2.5, -3.5]),
            ([-INF, -0.2, 0.7, 1e-8], [1.5, NAN, -3.5]),
            ([0.125, 0.25, -0.375, 4e-7], [0.001, 7.0, -1.0]),
        ],
    },
    {   # growth every 3 good steps; an inf resets the count
        "name": "growth",
        "init_scale": 1024.0, "growth_factor": 2.0, "backoff_factor": 0.5, "growth_interval": 3,
        "steps": [([0.1 * (i + 1), -0.2, 0.3, 1e-5], [0.7, -0.1 * i, 0.05]) for i in range(4)]
        + [([0.1, INF, 0.3, 1e-5], [0.7, -0.1, 0.05])]
        + [([0.2, -0.3, 0.1 * i, 2e-5], [-0.7, 0.2, 0.5]) for i in range(7)],
    },
    {   # other factors, and a growth that would reach infinity and is not taken
        "name": "limits",
        "init_scale": 2.0 ** 126, "growth_factor": 4.0, "backoff_factor": 0.25, "growth_interval": 1,
        "steps": [
            ([1e-30, -2e-30, 3e-31, 0.0], [1e-31, 1e-30, -1e-30]),
            ([1e-30, -2e-30, 3e-31, 0.0], [1e-31, 1e-30, -1e-30]),
            ([1e-30, NAN, 3e-31, 0.0], [1e-31, 1e-30, -1e-30]),
            ([1e-30, -2e-30, 3e-31, 0.0], [1e-31, 1e-30, -1e-30]),
            ([1e-30, -2e-30, 3e-31, 0.0], [1e-31, 1e-30, -1e-30]),
        ],
    },
    {   # scales that are not powers of two: the float32 reciprocal and products round
        "name": "rounding",
        "init_scale": 3.0, "growth_factor": 1.5, "backoff_factor": 0.3, "growth_interval": 2,
        "steps": [([0.1, -0.7, 1.3, 2.9], [0.33, -5.1, 0.01])] * 3
        + [([0.1, -0.7, INF, 2.9], [0.33, -5.1, 0.01]), ([0.1, -0.7, 1.3, 2.9], [NAN, -5.1, 0.01])]
        + [([0.1, -0.7, 1.3, 2.9], [0.33, -5.1, 0.01])] * 4,
    },
]


def encode(values):
    out = []
    for x in values:
        if math.isnan(x):
            out.append("nan")
        elif math.isinf(x):
            out.append("inf" if x > 0 else "-inf")
        else:
            out.append(x)
    return out


def run(seq):
    w = torch.nn.Parameter(torch.tensor([1.0, -2.0, 0.5, 3.0]))
    v = torch.nn.Parameter(torch.tensor([0.25, 4.0, -1.5]))
    opt = torch.optim.SGD([w, v], lr=0.1)
    scaler = torch.amp.GradScaler("cpu", init_scale=seq["init_scale"], growth_factor=seq["growth_factor"],
                                  backoff_factor=seq["backoff_factor"], growth_interval=seq["growth_interval"])
    records = []
    for a, b in seq["steps"]:
        opt.zero_grad(set_to_none=True)
        at = torch.tensor(a, dtype=torch.float32)
        bt = torch.tensor(b, dtype=torch.float32)
        loss = (w * at).sum() + (v * bt).sum()
        scaler.scale(loss).backward()
        scaler.unscale_(opt)
        grads = (encode(w.grad.tolist()), encode(v.grad.tolist()))
        before = (w.detach().clone(), v.detach().clone())
        scaler.step(opt)
        skipped = bool(torch.equal(before[0], w.detach()) and torch.equal(before[1], v.detach()))
        found_inf = sum(x.item() for x in scaler._found_inf_per_device(opt).values()) > 0
        scaler.update()
        assert skipped == found_inf or not found_inf
        records.append({
            "a": encode(a), "b": encode(b),
            "grad_w": grads[0], "grad_v": grads[1],
            "skipped": found_inf,
            "scale": scaler.get_scale(),
            "growth_tracker": int(scaler._growth_tracker.item()),
            "w": encode(w.detach().tolist()), "v": encode(v.detach().tolist()),
        })
    return {k: seq[k] for k in ("name", "init_scale", "growth_factor", "backoff_factor", "growth_interval")} | {
        "records": records}


def main():
    out = {"torch": torch.__version__, "sequences": [run(s) for s in SEQUENCES]}
    json.dump(out, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
