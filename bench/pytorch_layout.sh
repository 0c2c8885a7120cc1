#!/usr/bin/env bash
# Which layout makes PyTorch eager faster in bf16 autocast: NCHW against channels-last, alternately, in one run;
# the measurement behind bench/side_by_side.sh's per-case choice for PyTorch's side.
#
#   bench/pytorch_layout.sh [ROUNDS] [CASES]   default 2 rounds, every case; CASES: an extended regex on the names
#
# 2 threads and the launcher's allocator settings, as in side_by_side.sh. Only eager: torch.compile's CPU backend
# runs every convolution channels-last whatever the input's layout (inductor's layout optimisation with oneDNN).
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-2}"
cases="${2:-.}"
[[ $rounds =~ ^[1-9][0-9]*$ ]] || { echo "pytorch_layout.sh: error: ROUNDS must be a positive whole number, not '$rounds'" >&2; exit 2; }
py=${RESNET4J_PYTHON:-.venv/bin/python}
out=${OUT:-bench/results-pytorch_layout-$(date -u +%Y%m%d-%H%M%S).jsonl}
mkdir -p "$(dirname "$out")"
source bench/common.sh
field() { $py -c "import json,sys; print(json.loads(sys.stdin.read())['$1'])"; }

echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); $($py -c 'import torch; print("PyTorch", torch.__version__)')"
printf '%-34s %12s %14s %8s\n' case NCHW channels-last "CL/NCHW"

run_case() { # name model mode batch steps warmup
  local name=$1 model=$2 mode=$3 batch=$4 steps=$5 warm=$6
  [[ $name =~ $cases ]] || return 0
  local nchw=() cl=() j
  for ((i = 0; i < rounds; i++)); do
    for layout in nchw cl; do
      j=$($py bench/reference_bench.py --model "$model" --mode "$mode" --precision bf16 --batch-size "$batch" --threads 2 \
          --steps "$steps" --warmup "$warm" $([[ $layout == cl ]] && echo --channels-last))
      echo "$j" >> "$out"
      if [[ $layout == cl ]]; then cl+=("$(echo "$j" | field images_per_second)"); else nchw+=("$(echo "$j" | field images_per_second)"); fi
    done
  done
  local a b
  a=$(printf '%s\n' "${nchw[@]}" | median); b=$(printf '%s\n' "${cl[@]}" | median)
  printf '%-34s %12.1f %14.1f %7.2fx\n' "$name" "$a" "$b" "$(echo "$b / $a" | bc -l)"
}

run_case "resnet18 train bf16"                resnet18 train 128 6 2
run_case "resnet18 eval bf16"                 resnet18 eval 128 10 3
run_case "resnet20 train bf16"                resnet20 train 128 20 5
run_case "imagenet_resnet50 eval bf16 b32"    imagenet_resnet50 eval 32 10 3
run_case "imagenet_resnet50 train bf16 b16"   imagenet_resnet50 train 16 6 2
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg); raw results: $out"
