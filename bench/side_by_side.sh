#!/usr/bin/env bash
# resnet4j against the reference PyTorch program on this machine, alternately, in one run; prints the ratios.
#
#   bench/side_by_side.sh [ROUNDS] [CASES]    (default 2 rounds, every case; CASES: an extended regex on the case
#                                             names, e.g. 'resnet18 .* fp32'; needs Debian's python3-torch)
#
# The reference side is tools/reference_models.py's model (for resnet18: the reference program's) and its training
# step (SGD, cross-entropy), fp32, 2 threads set explicitly, batch 128, run as users run it (no allocator
# settings), and once more with the launcher's allocator settings for comparison. The resnet4j side is
# `resnet4j bench`. Each case alternates the two sides ROUNDS times and compares the medians.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-2}"
cases="${2:-.}"
py=/usr/bin/python3
launcher=${RESNET4J:-./resnet4j}
threads=2
out=${OUT:-bench/results-$(date -u +%Y%m%d-%H%M%S).jsonl}
mkdir -p "$(dirname "$out")"

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
field() { python3 -c "import json,sys; print(json.loads(sys.stdin.read())['$1'])"; }

echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores, $(free -g | awk '/Mem/{print $2}') GiB;" \
  "$($py -c 'import torch; print("PyTorch", torch.__version__)'), $($launcher info --json | field libtorch | sed 's/^/libtorch /')"
printf '%-34s %12s %12s %12s %8s %8s %9s %9s\n' case "pytorch" "pytorch+env" resnet4j ratio "ratio+env" "rss py" "rss r4j"

run_case() { # name model mode resnet4j-args...
  local name=$1 model=$2 mode=$3; shift 3
  [[ $name =~ $cases ]] || return 0
  local steps=10 warm=3
  [[ $model == resnet18 && $mode == train ]] && steps=6 warm=2
  local ref=() refenv=() r4j=() rss_py=0 rss_r4j=0
  for ((i = 0; i < rounds; i++)); do
    j=$($py bench/reference_bench.py --model "$model" --mode "$mode" --batch-size 128 --threads $threads --steps $steps --warmup $warm)
    echo "$j" >> "$out"; ref+=("$(echo "$j" | field images_per_second)"); rss_py=$(echo "$j" | field peak_rss_mib)
    j=$(MALLOC_MMAP_THRESHOLD_=4294967296 MALLOC_TRIM_THRESHOLD_=68719476736 MALLOC_ARENA_MAX=1 $py bench/reference_bench.py --model "$model" \
        --mode "$mode" --batch-size 128 --threads $threads --steps $steps --warmup $warm)
    refenv+=("$(echo "$j" | field images_per_second)")
    j=$($launcher bench --model "$model" --mode "$mode" --batch-size 128 --threads $threads --steps $steps --warmup $warm --json "$@")
    echo "$j" >> "$out"; r4j+=("$(echo "$j" | field images_per_second)"); rss_r4j=$(echo "$j" | field peak_rss_mib)
  done
  local a b c
  a=$(printf '%s\n' "${ref[@]}" | median); b=$(printf '%s\n' "${refenv[@]}" | median); c=$(printf '%s\n' "${r4j[@]}" | median)
  printf '%-34s %12.1f %12.1f %12.1f %7.2fx %7.2fx %8.0fM %8.0fM\n' "$name" "$a" "$b" "$c" \
    "$(echo "$c / $a" | bc -l)" "$(echo "$c / $b" | bc -l)" "$rss_py" "$rss_r4j"
}

run_case "resnet18 train fp32"               resnet18 train --precision fp32
run_case "resnet18 train bf16 channels-last" resnet18 train --precision bf16
run_case "resnet18 eval fp32"                resnet18 eval --precision fp32 --no-fold-bn
run_case "resnet18 eval bf16 folded BN"      resnet18 eval --precision bf16
run_case "resnet20 train fp32"               resnet20 train --precision fp32
run_case "resnet20 train bf16 channels-last" resnet20 train --precision bf16
echo "raw results: $out"
