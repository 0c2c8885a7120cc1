#!/usr/bin/env bash
# Inference with PyTorch's MKL-DNN tensors (torch.utils.mkldnn.to_mkldnn: weights reordered once into oneDNN's
# blocked layout, activations blocked through the whole network) against PyTorch eager and resnet4j's default
# inference path (BatchNorm folded, fused oneDNN convolutions), alternately, in one run: whether holding activations
# blocked would be worth building into resnet4j.
#
#   bench/mkldnn_tensors.sh [ROUNDS] [CASES]   default 3 rounds, every case; CASES: an extended regex on the names
#
# 2 threads and the launcher's allocator settings on every side, as in side_by_side.sh. bf16: MKL-DNN tensors hold
# bf16 weights and activations (to_mkldnn(model, torch.bfloat16)); eager and resnet4j run bf16 autocast.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-3}"
cases="${2:-.}"
[[ $rounds =~ ^[1-9][0-9]*$ ]] || { echo "mkldnn_tensors.sh: error: ROUNDS must be a positive whole number, not '$rounds'" >&2; exit 2; }
py=${RESNET4J_PYTHON:-.venv/bin/python}
launcher=${RESNET4J:-./resnet4j}
out=${OUT:-bench/results-mkldnn_tensors-$(date -u +%Y%m%d-%H%M%S).jsonl}
mkdir -p "$(dirname "$out")"
source bench/common.sh
field() { $py -c "import json,sys; print(json.loads(sys.stdin.read().splitlines()[-1])['$1'])"; }

echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); $($py -c 'import torch; print("PyTorch", torch.__version__)'); $($launcher --version 2>/dev/null | head -1)"
printf '%-36s %10s %12s %10s %11s %11s\n' case eager "MKL-DNN" resnet4j "MKL÷eager" "r4j÷MKL"

run_case() { # name model precision batch size steps warmup
  local name=$1 model=$2 prec=$3 batch=$4 size=$5 steps=$6 warm=$7
  [[ $name =~ $cases ]] || return 0
  local ref=(bench/reference_bench.py --model "$model" --mode eval --precision "$prec" --batch-size "$batch"
             --size "$size" --threads 2 --steps "$steps" --warmup "$warm")
  local -A got=([eager]="" [mkldnn]="" [resnet4j]="")
  local sides=(eager mkldnn resnet4j) i k side j
  for ((i = 0; i < rounds; i++)); do
    for ((k = 0; k < 3; k++)); do
      side=${sides[$(((i + k) % 3))]}
      case $side in
        eager) j=$($py "${ref[@]}") ;;
        mkldnn) j=$($py "${ref[@]}" --mkldnn) ;;
        resnet4j) j=$($launcher bench --model "$model" --mode eval --precision "$prec" --batch-size "$batch" \
                        --input "3x${size}x$size" --threads 2 --steps "$steps" --warmup "$warm" --json | tail -1) ;;
      esac
      echo "{\"case\": \"$name\", \"side\": \"$side\", \"round\": $((i + 1)), \"result\": $j}" >> "$out"
      got[$side]+="$(echo "$j" | field images_per_second) "
    done
  done
  local e m r
  e=$(printf '%s\n' ${got[eager]} | median); m=$(printf '%s\n' ${got[mkldnn]} | median)
  r=$(printf '%s\n' ${got[resnet4j]} | median)
  printf '%-36s %10.1f %12.1f %10.1f %10.2fx %10.2fx\n' "$name" "$e" "$m" "$r" "$(echo "$m / $e" | bc -l)" \
    "$(echo "$r / $m" | bc -l)"
}

run_case "resnet18 eval fp32"                 resnet18 fp32 128 32 10 3
run_case "resnet18 eval bf16"                 resnet18 bf16 128 32 10 3
run_case "imagenet_resnet50 eval bf16 b32"    imagenet_resnet50 bf16 32 224 10 3
run_case "resnet18 eval fp32 b1"              resnet18 fp32 1 32 50 10
run_case "imagenet_resnet50 eval fp32 b1"     imagenet_resnet50 fp32 1 224 30 5
echo "images/s, medians of $rounds rounds; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg); raw results: $out"
