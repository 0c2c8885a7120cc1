#!/usr/bin/env bash
# Per-core throughput of the training input pipeline (decode + RandomResizedCrop(224) + flip + normalise): resnet4j
# with one data worker against Pillow + NumPy in one process, on the same JPEG folder, alternating so that load on
# the machine hits both sides alike. Compares images per CPU-second (what one core delivers, robust to other load on
# the machine; resnet4j's count includes its JIT, GC and consumer threads) and wall-clock images/s. Prints each round
# and the ratios of the medians.
#
#   bench/data_side_by_side.sh /tmp/jpegs-5k [rounds] [images]
set -euo pipefail
root=${1:?usage: $0 FOLDER [rounds] [images]}
rounds=${2:-5}
images=${3:-320}
here=$(cd "$(dirname "$0")/.." && pwd)
py=${RESNET4J_PYTHON:-$here/.venv/bin/python}
batches=$((images / 32))
java=()
pil=()
for r in $(seq 1 "$rounds"); do
  j=$("$here/resnet4j" data bench --dataset folder --data-dir "$root" --stream --workers 1 --batch-size 32 \
        --batches "$batches" --json 2>/dev/null | "$py" -c 'import json,sys; r=json.load(sys.stdin)["results"][0]; print(r["images_per_cpu_second"], r["images_per_second"])')
  p=$("$py" "$here/bench/pillow_pipeline.py" "$root/train" --images "$images" --json \
        | "$py" -c 'import json,sys; r=json.load(sys.stdin); print(r["images_per_cpu_second"], r["images_per_second"])')
  java+=("$j"); pil+=("$p")
  echo "round $r: resnet4j $j, Pillow $p (images per CPU-second, images/s)"
done
"$py" - "${java[@]}" -- "${pil[@]}" <<'PY'
import statistics, sys
a = sys.argv[1:]
k = a.index("--")
j = [tuple(map(float, x.split())) for x in a[:k]]
p = [tuple(map(float, x.split())) for x in a[k + 1:]]
for i, what in ((0, "images per CPU-second"), (1, "images/s (wall clock)")):
    mj, mp = statistics.median(x[i] for x in j), statistics.median(x[i] for x in p)
    print("median %s: resnet4j %.1f (one worker), Pillow %.1f (one process), ratio %.2f" % (what, mj, mp, mj / mp))
PY
