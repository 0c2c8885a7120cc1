#!/usr/bin/env bash
# Per-core throughput of the training input pipeline (decode + RandomResizedCrop(224) + flip + normalise): resnet4j
# with one data worker against Pillow + NumPy in one process, on the same JPEG folder, alternating so that load on
# the machine hits both sides alike. Prints each round and the ratio of the medians.
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
        --batches "$batches" --json 2>/dev/null | "$py" -c 'import json,sys; print(json.load(sys.stdin)["results"][0]["images_per_second"])')
  p=$("$py" "$here/bench/pillow_pipeline.py" "$root/train" --images "$images" --json \
        | "$py" -c 'import json,sys; print(json.load(sys.stdin)["images_per_second"])')
  java+=("$j"); pil+=("$p")
  printf 'round %d: resnet4j %.1f images/s, Pillow %.1f images/s, ratio %.2f\n' "$r" "$j" "$p" "$(echo "$j / $p" | bc -l)"
done
"$py" - "${java[@]}" -- "${pil[@]}" <<'PY'
import statistics, sys
a = sys.argv[1:]
k = a.index("--")
j, p = [float(x) for x in a[:k]], [float(x) for x in a[k + 1:]]
print("median: resnet4j %.1f images/s per worker, Pillow %.1f per process, ratio %.2f"
      % (statistics.median(j), statistics.median(p), statistics.median(j) / statistics.median(p)))
PY
