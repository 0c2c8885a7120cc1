#!/usr/bin/env bash
# Where a step's time goes, resnet4j against PyTorch 2.13 eager on the same case: oneDNN's own per-primitive timings
# (ONEDNN_VERBOSE, summed by primitive and implementation), and perf's samples summed by function (ATen kernels,
# oneDNN's generated code, OpenMP, the allocator, the JVM), next to each side's median step time.
#
#   bench/profile.sh [CASES]      CASES: an extended regex on the case names (default: every case)
#
# Needs .venv with PyTorch 2.13 (README, "Benchmarks") and perf. Writes logs and a summary under $OUT
# (default bench/profile-<time>/); both sides get the launcher's allocator settings and 2 threads.
set -euo pipefail
cd "$(dirname "$0")/.."
cases="${1:-.}"
py=${PYTHON:-.venv/bin/python}
launcher=${RESNET4J:-./resnet4j}
out=${OUT:-bench/profile-$(date -u +%Y%m%d-%H%M%S)}
mkdir -p "$out"
source bench/common.sh

profile_case() { # name model mode precision batch [resnet4j args...] -- [reference args...]
  local name=$1 model=$2 mode=$3 precision=$4 batch=$5; shift 5
  [[ $name =~ $cases ]] || return 0
  local r4j=() ref=()
  while (($#)) && [[ $1 != -- ]]; do r4j+=("$1"); shift; done
  (($#)) && shift
  ref=("$@")
  local tag=${name// /_} common=(--model "$model" --mode "$mode" --precision "$precision" --batch-size "$batch" --threads 2)
  echo "== $name" >&2
  $launcher bench "${common[@]}" --steps 5 --warmup 2 --json "${r4j[@]}" > "$out/$tag.r4j.json"
  $py bench/reference_bench.py "${common[@]}" --steps 5 --warmup 2 "${ref[@]}" > "$out/$tag.ref.json" 2> /dev/null
  ONEDNN_VERBOSE=1 $launcher bench "${common[@]}" --steps 2 --warmup 1 "${r4j[@]}" > "$out/$tag.r4j.onednn" 2>&1
  ONEDNN_VERBOSE=1 $py bench/reference_bench.py "${common[@]}" --steps 2 --warmup 1 "${ref[@]}" > "$out/$tag.ref.onednn" 2>&1
  perf record -q -F 499 -o "$out/$tag.r4j.perf" -- $launcher bench "${common[@]}" --steps 4 --warmup 1 "${r4j[@]}" > /dev/null 2>&1
  perf record -q -F 499 -o "$out/$tag.ref.perf" -- $py bench/reference_bench.py "${common[@]}" --steps 4 --warmup 1 "${ref[@]}" > /dev/null 2>&1
  for side in r4j ref; do
    perf report -i "$out/$tag.$side.perf" --no-children --sort dso --stdio 2> /dev/null > "$out/$tag.$side.dso.txt" || true
    perf report -i "$out/$tag.$side.perf" --no-children --sort dso,sym --stdio --percent-limit 0.3 2> /dev/null \
      > "$out/$tag.$side.sym.txt" || true
    rm -f "$out/$tag.$side.perf"
  done
  $py bench/profile_summary.py "$out" "$tag" "$name" | tee -a "$out/summary.md"
}

profile_case "resnet18 train fp32" resnet18 train fp32 128
profile_case "resnet18 train bf16" resnet18 train bf16 128 -- --channels-last
profile_case "resnet20 train bf16" resnet20 train bf16 128 -- --channels-last
profile_case "resnet18 eval fp32" resnet18 eval fp32 128
echo "summary: $out/summary.md" >&2
