#!/usr/bin/python3
"""The reference PyTorch program's step, timed the way `resnet4j bench` times resnet4j's.

Builds the PyTorch equivalent of a resnet4j variant (tools/reference_models.py; for resnet18 that is the reference
program's model), then times the full training step of the reference program (zero_grad, forward, cross-entropy,
backward, SGD lr/momentum 0.9/weight decay 5e-4 update) or an inference pass under torch.no_grad on synthetic input,
with an explicit thread count; fp32, or bf16 autocast as PyTorch users write it (--precision bf16), in NCHW or
channels-last (--channels-last, model and input), eager or with torch.compile (--compile, default mode: the model
is compiled, the optimizer stays eager, as users write it), or for inference with MKL-DNN tensors (--mkldnn:
torch.utils.mkldnn.to_mkldnn). Prints one JSON object like `resnet4j bench --json`.

The first call (with --compile: tracing and compilation; eager: oneDNN's primitive creation) is reported on its own
as first_call_s and is always one of the warm-up steps, never in the median.

    /usr/bin/python3 bench/reference_bench.py --model resnet18 --mode train --batch-size 128 --threads 2
    .venv/bin/python bench/reference_bench.py --model imagenet_resnet50 --precision bf16 --channels-last --batch-size 16
    .venv/bin/python bench/reference_bench.py --model resnet20 --mode eval --compile --json
"""
import argparse
import json
import os
import resource
import statistics
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
import reference_models  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", default="resnet18")
    p.add_argument("--mode", default="train", choices=["train", "eval"])
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--warmup", type=int, default=3, help="untimed steps, the first call included (at least 1)")
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--size", type=int, default=None, help="image side (default: 224 for imagenet_*, else 32)")
    p.add_argument("--precision", default="fp32", choices=["fp32", "bf16"])
    p.add_argument("--channels-last", action="store_true")
    p.add_argument("--compile", action="store_true", help="torch.compile the model (default mode)")
    p.add_argument("--mkldnn", action="store_true",
                   help="eval only: MKL-DNN tensors (torch.utils.mkldnn.to_mkldnn: weights reordered once into "
                        "oneDNN's blocked layout, activations kept blocked from the input's conversion to the output's)")
    p.add_argument("--json", action="store_true", help="accepted for symmetry with resnet4j: the output is always JSON")
    a = p.parse_args()
    if a.warmup < 1 or a.steps < 1 or a.batch_size < 1 or a.threads < 1:
        p.error("--warmup, --steps, --batch-size and --threads must be at least 1")
    if a.mkldnn and (a.mode != "eval" or a.compile or a.channels_last):
        p.error("--mkldnn is an inference path of its own: eval only, without --compile or --channels-last")
    if a.compile and not hasattr(torch, "compile"):
        p.error("--compile needs PyTorch 2.0 or newer; this is " + torch.__version__)

    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = reference_models.build(a.model)
    size = a.size or (224 if a.model.startswith("imagenet") else 32)
    x = torch.randn(a.batch_size, 3, size, size)
    y = torch.arange(a.batch_size) % model.fc.out_features
    if a.channels_last:
        model = model.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    model.train(a.mode == "train")
    params = list(model.parameters())
    if a.compile:
        model = torch.compile(model)
    if a.mkldnn:
        # as torch.utils.mkldnn's users write it: the input converted per call, bf16 held as bf16 MKL-DNN tensors
        from torch.utils import mkldnn
        dtype = torch.bfloat16 if a.precision == "bf16" else torch.float
        blocked = mkldnn.to_mkldnn(model, dtype)
        model = lambda t: blocked(t.to_mkldnn(dtype)).to_dense()  # noqa: E731
    autocast = lambda: torch.autocast("cpu", dtype=torch.bfloat16,  # noqa: E731
                                      enabled=a.precision == "bf16" and not a.mkldnn)
    times = []
    if a.mode == "train":
        opt = torch.optim.SGD(params, lr=0.01, momentum=0.9, weight_decay=5e-4)

        def step():
            opt.zero_grad()
            with autocast():
                logits = model(x)
            loss = F.cross_entropy(logits.float(), y)
            loss.backward()
            opt.step()
            loss.item()
    else:
        def step():
            with torch.no_grad(), autocast():
                model(x).sum().item()
    for i in range(a.warmup + a.steps):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    first, timed = times[0], times[a.warmup:]
    med = statistics.median(timed)
    print(json.dumps({
        "implementation": "pytorch " + torch.__version__ + (" compiled" if a.compile else " MKL-DNN tensors" if a.mkldnn
                                                    else " eager"),
        "model": a.model, "mode": a.mode, "batch_size": a.batch_size, "size": size, "precision": a.precision,
        "channels_last": a.channels_last, "compiled": a.compile, "mkldnn": a.mkldnn, "threads": torch.get_num_threads(),
        "images_per_second": a.batch_size / med, "median_ms": med * 1000, "min_ms": min(timed) * 1000,
        "max_ms": max(timed) * 1000, "steps": a.steps, "first_call_s": first,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


if __name__ == "__main__":
    main()
