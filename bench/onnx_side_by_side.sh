#!/usr/bin/env bash
# ONNX Runtime's CPU inference of resnet4j's ONNX export against resnet4j's own eval bench (libtorch), alternately,
# in one run; prints the medians and the ratio, and the same for each side's fastest step (the least disturbed by
# other load on the machine).
#
#   bench/onnx_side_by_side.sh [ROUNDS] [CASES]    (default 3 rounds, every case; CASES: an extended regex on the
#                                                  case names, e.g. 'resnet18')
#
# Both sides run `resnet4j bench --mode eval` on the same seeded model and synthetic input, fp32, BatchNorm folded,
# intra-op threads = cores (or $THREADS); resnet4j in libtorch with its default layout (channels-last for resnet20, NCHW for
# resnet18), ONNX Runtime on the exported file (NCHW, graph optimisations on).
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-3}"
cases="${2:-.}"
launcher=${RESNET4J:-./resnet4j}
threads=${THREADS:-$(nproc)}
out=${OUT:-bench/results-onnx-$(date -u +%Y%m%d-%H%M%S).jsonl}
mkdir -p "$(dirname "$out")"

source bench/common.sh
field() { python3 -c "import json,sys; print(json.loads(sys.stdin.read())['$1'])"; }

echo "machine: $(grep -m1 "model name" /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores, $threads threads, load $(cut -d" " -f1-3 /proc/loadavg); $($launcher --version)"
printf '%-20s %15s %15s %8s %13s %13s %8s\n' case "libtorch median" "ORT median" "ORT/r4j" "libtorch best" "ORT best" "ORT/r4j"

run_case() { # name model batch steps warmup
  local name=$1 model=$2 batch=$3 steps=$4 warm=$5
  [[ $name =~ $cases ]] || return 0
  local a=() b=() amin=0 bmin=0 j v
  for ((i = 0; i < rounds; i++)); do
    for rt in libtorch onnxruntime; do
      j=$($launcher bench --model "$model" --mode eval --runtime $rt --batch-size "$batch" --threads "$threads" \
          --steps "$steps" --warmup "$warm" --json)
      echo "$j" >> "$out"
      v=$(echo "$j" | python3 -c "import json,sys; o=json.load(sys.stdin); print(o['batch_size'] * 1000 / o['min_ms'])")
      if [[ $rt == libtorch ]]; then
        a+=("$(echo "$j" | field images_per_second)"); amin=$(printf '%s\n%s\n' "$amin" "$v" | sort -g | tail -1)
      else
        b+=("$(echo "$j" | field images_per_second)"); bmin=$(printf '%s\n%s\n' "$bmin" "$v" | sort -g | tail -1)
      fi
    done
  done
  local x y
  x=$(printf '%s\n' "${a[@]}" | median); y=$(printf '%s\n' "${b[@]}" | median)
  printf '%-20s %15.1f %15.1f %7.2fx %13.1f %13.1f %7.2fx\n' "$name" "$x" "$y" "$(echo "$y / $x" | bc -l)" \
    "$amin" "$bmin" "$(echo "$bmin / $amin" | bc -l)"
}

run_case "resnet20 batch 128" resnet20 128 10 3
run_case "resnet20 batch 1"   resnet20 1 50 10
run_case "resnet18 batch 128" resnet18 128 5 2
run_case "resnet18 batch 1"   resnet18 1 30 5
echo "load average at the end: $(cut -d" " -f1-3 /proc/loadavg); raw results: $out"
