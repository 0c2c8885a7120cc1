#!/usr/bin/env bash
# Trains imagenet_resnet18 at 224 (bf16) for a fixed number of steps on streamed JPEG folders and tar shards of two
# sizes, sampling the process's resident memory every 2 s, then times the same training step on synthetic tensors
# (pure compute). One JSON line per run in the results file, and a table.
#
#   bench/streaming_train.sh STEPS FOLDER_SMALL FOLDER_LARGE SHARDS_SMALL SHARDS_LARGE
#
# Folders hold train/<class>/*.jpg and val/<class>/*.jpg; shards are what `resnet4j data pack` writes from them.
# FORMS=shards (or folder) runs one form only; RESNET4J_JAVA_OPTS=-Xmx768m bounds the Java heap.
set -euo pipefail
cd "$(dirname "$0")/.."
steps=${1:?usage: bench/streaming_train.sh STEPS FOLDER_SMALL FOLDER_LARGE SHARDS_SMALL SHARDS_LARGE}
shift
out=${OUT:-bench/results-streaming-train-$(date -u +%Y%m%d-%H%M%S).jsonl}
batch=${BATCH:-32}
launcher=${RESNET4J:-./resnet4j}
common=(--model imagenet_resnet18 --image-size 224 --precision bf16 --batch-size "$batch" --limit-train-batches "$steps"
        --epochs 1 --limit-eval-batches 2 --eval-batch-size "$batch" --seed 1 --json)
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg);" \
  "$steps steps of $batch; results in $out" >&2
run() { # form data
  local form=$1 data=$2 dir rss n log pid
  dir=$(mktemp -d) rss=$(mktemp) log=$(mktemp)
  n=$(python3 -c "import json,sys,os; p=sys.argv[1]; f=os.path.join(p,'shards.json')
print(json.load(open(f))['splits']['train']['samples'] if os.path.exists(f) else
      sum(f.endswith('.jpg') for _, _, fs in os.walk(os.path.join(p, 'train')) for f in fs))" "$data")
  local dataset=folder; [[ $form == shards ]] && dataset=shards
  local start=$SECONDS
  $launcher train "${common[@]}" --dataset "$dataset" --data-dir "$data" --storage stream --out "$dir/run" \
      > "$log" 2> "$log.err" &
  pid=$!
  sleep 1
  local jpid; jpid=$(pgrep -P "$pid" java || echo "$pid")
  while kill -0 "$pid" 2> /dev/null; do
    awk '/VmRSS/ {print $2}' "/proc/$jpid/status" 2> /dev/null >> "$rss" || true
    sleep 2
  done
  wait "$pid" || { echo "train failed:"; tail -5 "$log.err"; exit 1; }
  python3 - "$form" "$n" "$rss" "$log" "$((SECONDS - start))" "$dir/run/metrics.csv" <<'PY' | tee -a "$out"
import csv, json, statistics, sys
form, n, rss_file, log, seconds, metrics = sys.argv[1:]
rss = [int(l) / 1024 for l in open(rss_file) if l.strip()]
result = json.loads(open(log).read())
half = rss[len(rss) // 2:]
row = dict(form=form, images=int(n), wall_seconds=int(seconds),
           images_per_second=float(list(csv.DictReader(open(metrics)))[-1]["images_per_second"]),
           rss_max_mib=round(max(rss)), rss_median_second_half_mib=round(statistics.median(half)),
           rss_samples=len(rss), result_keys=sorted(result)[:0])
row.pop("result_keys")
print(json.dumps(row))
PY
  rm -rf "$dir" "$rss" "$log" "$log.err"
}
forms=${FORMS:-folder shards}
[[ $forms == *folder* ]] && run folder "$1" && run folder "$2"
[[ $forms == *shards* ]] && run shards "$3" && run shards "$4"
$launcher bench --model imagenet_resnet18 --mode train --precision bf16 --batch-size "$batch" \
    --json | tee -a "$out"
