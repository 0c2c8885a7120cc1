#!/usr/bin/env python3
"""What the side-by-side benchmark measures achieved speed against: the machine's GEMM peak and each model's FLOPs.

    roofline.py peak --threads 2      fp32 and bf16 matrix products of two N x N matrices in GFLOP/s, best of
                                      --repeats after a warm-up, and the library that ran the best (from MKL's and
                                      oneDNN's verbose logs of the first call); fp32 tries torch.mm (MKL's SGEMM)
                                      and oneDNN's inner product and keeps the faster, bf16 is torch.mm (oneDNN)
    roofline.py flops --model resnet18 --mode train [--size 32]
                                      FLOPs per image of the reference model (tools/reference_models.py) as
                                      torch.utils.flop_counter.FlopCounterMode counts them: convolutions and matrix
                                      products; training = forward + backward, eval = forward

Both print one JSON object. FLOPs are counted on the meta device, so counting costs no arithmetic.
"""
import argparse
import json
import os
import sys
import tempfile
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
import reference_models  # noqa: E402


def stdout_of(fn):
    """What fn writes to file descriptor 1 (MKL and oneDNN print their verbose logs there, not to sys.stdout)."""
    sys.stdout.flush()
    with tempfile.TemporaryFile(mode="w+") as f:
        saved = os.dup(1)
        os.dup2(f.fileno(), 1)
        try:
            fn()
            sys.stdout.flush()
        finally:
            os.dup2(saved, 1)
            os.close(saved)
        f.seek(0)
        return f.read()


def library(log):
    for line in log.splitlines():
        if line.startswith("MKL_VERBOSE") and "GEMM" in line:
            return "MKL " + line.split()[1].split("(")[0]
        if line.startswith("onednn_verbose") and ",exec," in line:
            fields = line.split(",")
            return "oneDNN %s %s" % (fields[5], fields[6])
    return "ATen's own kernel (neither MKL nor oneDNN logged a call)"


def gemm_peak(dtype, n, repeats):
    """The best GFLOP/s of an N x N x N matrix product, over the ways PyTorch offers to run one, and who ran it."""
    a, b = torch.randn(n, n).to(dtype), torch.randn(n, n).to(dtype)
    ways = [lambda: torch.mm(a, b)]  # MKL's SGEMM for fp32, oneDNN's matmul for bf16 on CPUs with bf16 support
    if dtype == torch.float32 and torch.backends.mkldnn.is_available():
        am, bm = a.to_mkldnn(), b.to_mkldnn()
        ways.append(lambda: torch._C._nn.mkldnn_linear(am, bm))  # oneDNN's fp32 inner product (a @ b.T)
    mkldnn, mkl = torch.backends.mkldnn, torch.backends.mkl
    results = []
    for way in ways:
        def verbose_call():
            with mkldnn.verbose(mkldnn.VERBOSE_ON), mkl.verbose(mkl.VERBOSE_ON):
                way()

        lib = library(stdout_of(verbose_call))
        best = float("inf")
        for _ in range(repeats):
            t0 = time.perf_counter()
            way()
            best = min(best, time.perf_counter() - t0)
        results.append((2 * n ** 3 / best / 1e9, lib))
    return max(results), results


def flops_per_image(model_name, mode, size, batch=2):
    from torch.utils.flop_counter import FlopCounterMode
    with torch.device("meta"):
        model = reference_models.build(model_name)
        x = torch.randn(batch, 3, size, size)
        y = torch.zeros(batch, dtype=torch.long)
    model.train(mode == "train")
    with FlopCounterMode(display=False) as counter:
        if mode == "train":
            F.cross_entropy(model(x), y).backward()
        else:
            with torch.no_grad():
                model(x)
    return counter.get_total_flops() / batch


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="what", required=True)
    peak = sub.add_parser("peak")
    peak.add_argument("--threads", type=int, default=2)
    peak.add_argument("--n", type=int, default=4096, help="matrix side")
    peak.add_argument("--repeats", type=int, default=5)
    flops = sub.add_parser("flops")
    flops.add_argument("--model", required=True)
    flops.add_argument("--mode", default="train", choices=["train", "eval"])
    flops.add_argument("--size", type=int, default=None, help="image side (default: 224 for imagenet_*, else 32)")
    a = p.parse_args()
    if a.what == "peak":
        if a.threads < 1 or a.n < 1 or a.repeats < 1:
            p.error("--threads, --n and --repeats must be at least 1")
        torch.set_num_threads(a.threads)
        out = {"kind": "peak", "implementation": "pytorch " + torch.__version__, "threads": a.threads, "n": a.n}
        for name, dtype in (("fp32", torch.float32), ("bf16", torch.bfloat16)):
            (gflops, lib), tried = gemm_peak(dtype, a.n, a.repeats)
            out.update({name + "_gflops": gflops, name + "_library": lib,
                        name + "_tried": {tried_lib: g for g, tried_lib in tried}})
        print(json.dumps(out))
    else:
        size = a.size or (224 if a.model.startswith("imagenet") else 32)
        if size < 8:
            p.error("--size must be at least 8")
        try:
            reference_models.build(a.model)
        except (ValueError, KeyError):
            p.error("unknown model: " + a.model)
        print(json.dumps({"kind": "flops", "model": a.model, "mode": a.mode, "size": size,
                          "gflop_per_image": flops_per_image(a.model, a.mode, size) / 1e9}))


if __name__ == "__main__":
    main()
