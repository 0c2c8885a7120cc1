#!/usr/bin/env bash
# oneDNN's own per-primitive timings for one ResNet-18 training step, resnet4j (NCHW and channels-last) and the
# reference PyTorch program, then a summary by primitive. Run from the repository root; writes into $OUT.
set -euo pipefail
OUT=${OUT:-onednn-profile}
mkdir -p "$OUT"
ONEDNN_VERBOSE=1 ./resnet4j bench --model resnet18 --mode train --precision fp32 --steps 1 --warmup 1 --no-channels-last > "$OUT/r4j-nchw.txt" 2>&1
ONEDNN_VERBOSE=1 ./resnet4j bench --model resnet18 --mode train --precision fp32 --steps 1 --warmup 1 --channels-last > "$OUT/r4j-cl.txt" 2>&1
MALLOC_MMAP_THRESHOLD_=4294967296 MALLOC_TRIM_THRESHOLD_=68719476736 MALLOC_ARENA_MAX=1 DNNL_VERBOSE=1 \
  /usr/bin/python3 bench/reference_bench.py --model resnet18 --mode train --batch-size 128 --threads 2 --steps 1 --warmup 1 > "$OUT/pytorch.txt" 2>&1
/usr/bin/python3 - "$OUT" <<'PY'
import collections, sys
for name in ("pytorch", "r4j-nchw", "r4j-cl"):
    agg = collections.Counter()
    for line in open(f"{sys.argv[1]}/{name}.txt"):
        p = line.strip().split(",")
        if "exec" in p:
            i = p.index("exec")
            agg[(p[i + 2], p[i + 3], p[i + 4])] += float(p[-1])
    print(f"== {name}: {sum(agg.values()):.0f} ms in oneDNN primitives")
    for (kind, impl, prop), ms in agg.most_common(10):
        print(f"   {ms:8.1f} ms  {kind} {impl} {prop}")
PY
