#!/usr/bin/env bash
# resnet4j against PyTorch 2.x (eager, and torch.compile) on the same cases, alternately, in one run. Prints each
# side's median, resnet4j's ratio to the better PyTorch side, and resnet4j's achieved GFLOP/s as a fraction of the
# machine's GEMM peak, which the script measures itself.
#
#   bench/side_by_side.sh [--json] [ROUNDS] [CASES]   default 2 rounds, every case; CASES: an extended regex on the
#                                                     case names, e.g. 'resnet20' or 'eval .*bf16'
#   JSON=1 bench/side_by_side.sh ...                  the same as --json: one JSON object per case on stdout
#                                                     instead of the table
#
# Environment: RESNET4J (launcher, default ./resnet4j); RESNET4J_PYTHON (default .venv/bin/python: PyTorch 2.x, and
# for torch.compile a C++ compiler and Python's headers); OUT (raw results, default
# bench/results-side_by_side-<time>.jsonl: every run of every side, the peak and the FLOP counts, and the per-case
# summaries); PT_CHANNELS_LAST=0|1 overrides the layout choice for PyTorch below in every case; STEPS and WARMUP
# override every case's timed and warm-up steps (for a quick check that everything runs; not for figures).
#
# Sides, in every case: PyTorch eager and PyTorch compiled (bench/reference_bench.py, tools/reference_models.py's
# model and the reference program's step; --compile is torch.compile's default mode, the optimizer stays eager;
# the first call, which compiles, is reported as "compile s" and never timed) and resnet4j (`resnet4j bench
# --json`, its defaults: in eval it folds BatchNorm into the convolutions, hence "r4j BN folded" in those names).
# All three get 2 threads and the allocator settings resnet4j's launcher sets (glibc otherwise returns every step's
# activations to the kernel and faults them in again). Each round runs the three sides once, starting with a
# different side each round, so that the machine's drifts hit all of them; the table shows medians over rounds.
#
# Precision: bf16 means autocast on every side. PyTorch's layout: NCHW in fp32 (PyTorch's default), channels-last in
# every bf16 case (the last field of each case below; PT_CHANNELS_LAST overrides). Why: bench/pytorch_layout.sh 3 on
# the quiet machine (1 December; docs/benchmarks/pytorch-layout-bf16.txt) ran PyTorch eager 1.03-1.49x faster
# channels-last than NCHW in every bf16 case here. The compiled side is indifferent: torch.compile's CPU backend
# runs every convolution channels-last whatever the input's layout (inductor's layout optimisation).
#
# Peak (bench/roofline.py peak): fp32 and bf16 4096x4096 matrix products in PyTorch with the same 2 threads, best
# of 5; fp32 is the faster of MKL's SGEMM and oneDNN's inner product, bf16 is oneDNN's matmul; the header names the
# library. FLOPs per image (bench/roofline.py flops): the reference model under FlopCounterMode (convolutions and
# matrix products; training = forward + backward as counted, eval = forward).
#
# Columns: median images/s of each side (batch-1 cases: and median ms per image); r4j÷best = resnet4j's median
# over the better PyTorch median; GFLOP/s = resnet4j's images/s x FLOPs per image; of peak = that over the
# matching (fp32 or bf16) GEMM peak; PT = PyTorch's layout; RSS = each side's peak resident memory, the largest
# over rounds (the compiled side's includes the compiler's own); compile s = the compiled side's first call,
# largest over rounds (inductor's cache under /tmp makes later compilations of the same graph shorter).
set -euo pipefail
cd "$(dirname "$0")/.."
json=${JSON:-0}
if [[ ${1:-} == --json ]]; then json=1; shift; fi
rounds="${1:-2}"
cases="${2:-.}"
[[ $rounds =~ ^[1-9][0-9]*$ ]] || { echo "side_by_side.sh: error: ROUNDS must be a positive whole number, not '$rounds'" >&2; exit 2; }
launcher=${RESNET4J:-./resnet4j}
py=${RESNET4J_PYTHON:-.venv/bin/python}
threads=2
run_id=$(date -u +%Y%m%dT%H%M%SZ)
out=${OUT:-bench/results-side_by_side-$run_id.jsonl}
mkdir -p "$(dirname "$out")"
[[ -x $py ]] && $py -c 'import torch, sys; sys.exit(not hasattr(torch, "compile"))' 2>/dev/null || {
  echo "side_by_side.sh: error: $py has no PyTorch 2.x (set RESNET4J_PYTHON, or create .venv with torch)" >&2; exit 2; }
source bench/common.sh
scratch=$(mktemp -d "${TMPDIR:-/tmp}/side_by_side.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

# name|model|mode|precision|batch|image side|steps|warm-up steps|PyTorch channels-last (0|1)
case_list=(
  "resnet18 train fp32|resnet18|train|fp32|128|32|6|2|0"
  "resnet18 train bf16|resnet18|train|bf16|128|32|6|2|1"
  "resnet18 eval fp32, r4j BN folded|resnet18|eval|fp32|128|32|10|3|0"
  "resnet18 eval bf16, r4j BN folded|resnet18|eval|bf16|128|32|10|3|1"
  "resnet20 train fp32|resnet20|train|fp32|128|32|20|5|0"
  "resnet20 train bf16|resnet20|train|bf16|128|32|20|5|1"
  "imagenet_resnet50 eval bf16 b32, r4j BN folded|imagenet_resnet50|eval|bf16|32|224|10|3|1"
  "imagenet_resnet50 train bf16 b16|imagenet_resnet50|train|bf16|16|224|6|2|1"
  "resnet18 eval fp32 b1 latency, r4j BN folded|resnet18|eval|fp32|1|32|50|10|0"
  "imagenet_resnet50 eval fp32 b1 latency, r4j BN folded|imagenet_resnet50|eval|fp32|1|224|30|5|0"
)
selected=()
for c in "${case_list[@]}"; do [[ ${c%%|*} =~ $cases ]] && selected+=("$c"); done
((${#selected[@]})) || { echo "side_by_side.sh: error: no case name matches '$cases'" >&2; exit 2; }

# Tags a run's JSON (the last line of stdout that is an object) with the case, side and round, and appends it to $out.
record() { # stdout-file stderr-file exit-code tags-json
  $py - "$@" "$out" <<'EOF'
import json, sys
stdout, stderr, code, tags, out = sys.argv[1:]
lines = [l for l in open(stdout).read().splitlines() if l.startswith("{")]
o = json.loads(lines[-1]) if code == "0" and lines else {
    "error": (open(stderr).read().strip().splitlines() or ["exit code " + code])[-1], "exit_code": int(code)}
o.update(json.loads(tags))
with open(out, "a") as f:
    f.write(json.dumps(o) + "\n")
print("failed: " + o["error"] if "error" in o else "%.1f images/s" % o.get("images_per_second", 0))
EOF
}

# Each case's row (or JSON object) from the records of this run.
summarize() { # case-name
  $py - "$1" "$out" "$run_id" "$json" <<'EOF'
import json, statistics, sys
name, out, run_id, as_json = sys.argv[1:]
recs = [json.loads(l) for l in open(out) if l.strip()]
recs = [r for r in recs if r.get("run") == run_id]
peak = next(r for r in recs if r.get("kind") == "peak")
mine = [r for r in recs if r.get("case") == name]
flops = next(r for r in mine if r.get("kind") == "flops")
cfg = next(r for r in mine if r.get("kind") == "run")
batch, prec = cfg["batch_size"], cfg["precision"]
sides = {}
for side in ("pytorch_eager", "pytorch_compiled", "resnet4j"):
    runs = [r for r in mine if r.get("side") == side]
    ok = [r for r in runs if "images_per_second" in r]
    ips = statistics.median(r["images_per_second"] for r in ok) if ok else None
    s = {"images_per_second": ips, "median_ms": batch * 1000 / ips if ips else None,
         "rounds": [r["images_per_second"] for r in ok], "failed_rounds": len(runs) - len(ok),
         "peak_rss_mib": max((r["peak_rss_mib"] for r in ok), default=None)}
    if len(ok) < len(runs):
        s["error"] = [r for r in runs if "error" in r][-1]["error"]
    if side == "pytorch_compiled":
        s["compile_s"] = max((r["first_call_s"] for r in ok), default=None)
    sides[side] = s
pt = [s["images_per_second"] for k, s in sides.items() if k != "resnet4j" and s["images_per_second"]]
best = max(pt) if pt else None
r4j = sides["resnet4j"]["images_per_second"]
gflops = r4j * flops["gflop_per_image"] if r4j else None
row = {"kind": "case", "run": run_id, "case": name, "model": cfg["model"], "mode": cfg["mode"], "precision": prec,
       "batch_size": batch, "size": cfg["size"], "threads": cfg["threads"],
       "pytorch_channels_last": cfg["pytorch_channels_last"], **sides, "best_pytorch_images_per_second": best,
       "ratio": r4j / best if r4j and best else None, "gflop_per_image": flops["gflop_per_image"],
       "resnet4j_gflops": gflops, "peak_gflops": peak[prec + "_gflops"], "peak_library": peak[prec + "_library"],
       "fraction_of_peak": gflops / peak[prec + "_gflops"] if gflops else None,
       "best_pytorch_fraction_of_peak": best * flops["gflop_per_image"] / peak[prec + "_gflops"] if best else None}
with open(out, "a") as f:
    f.write(json.dumps(row) + "\n")
if as_json == "1":
    print(json.dumps(row))
    sys.exit()

def speed(s):
    v = s["images_per_second"]
    if v is None:
        return "failed"
    return "%.1f (%.1f ms)" % (v, s["median_ms"]) if batch == 1 else "%.1f" % v

def num(v, fmt):
    return fmt % v if v is not None else "-"

e, c, r = sides["pytorch_eager"], sides["pytorch_compiled"], sides["resnet4j"]
print("%-52s %16s %16s %16s %8s %8s %7s %4s %7s %7s %7s %9s" % (
    name, speed(e), speed(c), speed(r), num(row["ratio"], "%.2fx"), num(gflops, "%.1f"),
    num(row["fraction_of_peak"] and 100 * row["fraction_of_peak"], "%.1f%%"),
    "CL" if cfg["pytorch_channels_last"] else "NCHW", num(e["peak_rss_mib"], "%.0fM"), num(c["peak_rss_mib"], "%.0fM"),
    num(r["peak_rss_mib"], "%.0fM"), num(c.get("compile_s"), "%.1f")))
for k, s in sides.items():
    if "error" in s:
        print("    %s failed %d of %d rounds: %s" % (k, s["failed_rounds"], s["failed_rounds"] + len(s["rounds"]), s["error"]))
EOF
}

say() { if [[ $json == 1 ]]; then echo "$@" >&2; else echo "$@"; fi; }
total=$((${#selected[@]} * rounds * 3)) done_runs=0 started=$SECONDS
say "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg);" \
  "$($py -c 'import torch; print("PyTorch", torch.__version__)'); $($launcher --version 2>/dev/null | head -1); $threads threads"
echo "measuring the GEMM peak..." >&2
$py bench/roofline.py peak --threads $threads > "$scratch/peak.json"
record "$scratch/peak.json" /dev/null 0 "{\"run\": \"$run_id\"}" > /dev/null
say "$($py -c 'import json,sys; p=json.load(open(sys.argv[1])); print("peak: fp32 %.0f GFLOP/s (%s), bf16 %.0f GFLOP/s (%s)" % (
  p["fp32_gflops"], p["fp32_library"], p["bf16_gflops"], p["bf16_library"]))' "$scratch/peak.json")"
[[ $json == 1 ]] || printf '%-52s %16s %16s %16s %8s %8s %7s %4s %7s %7s %7s %9s\n' case "PyTorch eager" \
  "PyTorch compiled" resnet4j "r4j÷best" "GFLOP/s" "of peak" PT "RSS eag" "RSS cmp" "RSS r4j" "compile s"

run_case() { # one entry of case_list
  local name model mode prec batch size steps warm cl
  IFS='|' read -r name model mode prec batch size steps warm cl <<< "$1"
  cl=${PT_CHANNELS_LAST:-$cl} steps=${STEPS:-$steps} warm=${WARMUP:-$warm}
  local tags="\"run\": \"$run_id\", \"case\": \"$name\""
  echo "{\"kind\": \"run\", $tags, \"model\": \"$model\", \"mode\": \"$mode\", \"precision\": \"$prec\", \"batch_size\": $batch, \"size\": $size, \"threads\": $threads, \"rounds\": $rounds, \"pytorch_channels_last\": $([[ $cl == 1 ]] && echo true || echo false)}" >> "$out"
  $py bench/roofline.py flops --model "$model" --mode "$mode" --size "$size" > "$scratch/flops.json"
  record "$scratch/flops.json" /dev/null 0 "{$tags}" > /dev/null
  local ref=(bench/reference_bench.py --model "$model" --mode "$mode" --precision "$prec" --batch-size "$batch"
             --size "$size" --threads $threads --steps "$steps" --warmup "$warm")
  [[ $cl == 1 ]] && ref+=(--channels-last)
  local sides=(pytorch_eager pytorch_compiled resnet4j) r k side cmd rc result
  for ((r = 0; r < rounds; r++)); do
    for ((k = 0; k < 3; k++)); do
      side=${sides[$(((r + k) % 3))]}
      case $side in
        pytorch_eager) cmd=("$py" "${ref[@]}") ;;
        pytorch_compiled) cmd=("$py" "${ref[@]}" --compile) ;;
        resnet4j) cmd=("$launcher" bench --model "$model" --mode "$mode" --precision "$prec" --batch-size "$batch"
                       --input "3x${size}x$size" --threads $threads --steps "$steps" --warmup "$warm" --json) ;;
      esac
      rc=0; "${cmd[@]}" > "$scratch/out" 2> "$scratch/err" || rc=$?
      result=$(record "$scratch/out" "$scratch/err" $rc "{$tags, \"side\": \"$side\", \"round\": $((r + 1))}")
      done_runs=$((done_runs + 1))
      local spent=$((SECONDS - started))
      echo "[$done_runs/$total] $name, $side, round $((r + 1)): $result; ${spent}s so far," \
        "about $((spent * (total - done_runs) / done_runs))s to go" >&2
    done
  done
  summarize "$name"
}

for c in "${selected[@]}"; do run_case "$c"; done
say "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg); raw results: $out"
