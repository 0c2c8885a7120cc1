"""Summarises bench/profile.sh's logs for one case as Markdown: step times, oneDNN's time by primitive, perf's
samples by library and by function, resnet4j next to PyTorch.

    python bench/profile_summary.py OUT TAG "case name"
"""
import collections
import json
import re
import sys

SIDES = (("r4j", "resnet4j"), ("ref", "PyTorch 2.13"))
VERBOSE_STEPS = 3  # profile.sh runs 1 warm-up and 2 timed steps under ONEDNN_VERBOSE


def onednn(path):
    """ms per step by (primitive, implementation), from ONEDNN_VERBOSE's exec lines (time last)."""
    agg = collections.Counter()
    for line in open(path, errors="replace"):
        p = line.strip().split(",")
        if len(p) > 6 and p[0] in ("onednn_verbose", "dnnl_verbose") and "exec" in p:
            i = p.index("exec")
            kind, impl = p[i + 2], p[i + 3]
            if kind == "reorder":
                impl = "reorder"
            try:
                agg[(kind, impl)] += float(p[-1]) / VERBOSE_STEPS
            except ValueError:
                pass
    return agg


def short(sym):
    sym = re.sub(r"\(.*", "", sym)
    sym = re.sub(r"<[^<>]*>", "", re.sub(r"<[^<>]*>", "", sym))
    return sym.strip()[:70]


def library(dso):
    return "oneDNN's generated code" if dso.startswith("[JIT]") else dso


def perf(prefix):
    """Percent of samples by library and by function."""
    by_dso, by_sym = collections.Counter(), collections.Counter()
    for line in open(prefix + ".dso.txt", errors="replace"):
        m = re.match(r"\s*([\d.]+)%\s+(.+?)\s*$", line)
        if m and not line.startswith("#"):
            by_dso[library(m.group(2))] += float(m.group(1))
    for line in open(prefix + ".sym.txt", errors="replace"):
        m = re.match(r"\s*([\d.]+)%\s+(.+?)\s+\[.\]\s+(.*)", line)
        if m:
            by_sym[f"{short(m.group(3))} ({library(m.group(2))})"] += float(m.group(1))
    return by_dso, by_sym


def main():
    out, tag, name = sys.argv[1:4]
    step = {s: json.load(open(f"{out}/{tag}.{s}.json")) for s, _ in SIDES}
    dnn = {s: onednn(f"{out}/{tag}.{s}.onednn") for s, _ in SIDES}
    prof = {s: perf(f"{out}/{tag}.{s}") for s, _ in SIDES}
    print(f"\n### {name}\n")
    print("| | resnet4j | PyTorch 2.13 |\n|---|---|---|")
    print("| median step (ms, no logging) | " + " | ".join(f"{step[s]['median_ms']:.1f}" for s, _ in SIDES) + " |")
    print("| all oneDNN primitives (ms per step, logged) | "
          + " | ".join(f"{sum(dnn[s].values()):.1f}" for s, _ in SIDES) + " |")
    keys = sorted(set(dnn["r4j"]) | set(dnn["ref"]), key=lambda k: -(dnn["r4j"][k] + dnn["ref"][k]))
    for k in keys[:12]:
        print(f"| {k[0]} `{k[1]}` | {dnn['r4j'][k]:.1f} | {dnn['ref'][k]:.1f} |")
    print("\nperf samples by library (%):\n\n| library | resnet4j | PyTorch 2.13 |\n|---|---|---|")
    dsos = sorted(set(prof["r4j"][0]) | set(prof["ref"][0]), key=lambda d: -(prof["r4j"][0][d] + prof["ref"][0][d]))
    for d in dsos[:10]:
        print(f"| {d} | {prof['r4j'][0][d]:.1f} | {prof['ref'][0][d]:.1f} |")
    for s, label in SIDES:
        print(f"\n{label}, top functions (% of samples): "
              + "; ".join(f"{sym} {pct:.1f}" for sym, pct in prof[s][1].most_common(10)))


if __name__ == "__main__":
    main()
