#!/usr/bin/env bash
# Load test of resnet4j serve on loopback: the same requests against the server with batching off and on,
# alternately, ROUNDS times each; one JSON line per run in the results file and a table of medians at the end.
#
#   bench/serve_load.sh WEIGHTS [ROUNDS] [REQUESTS] [CONCURRENCY]     (default 2 rounds, 5000 requests, 32 clients)
#
# SERVE_OPTS adds options to every server (for example SERVE_OPTS="--threads 1").
# The client is bench/LoadClient.java (closed loop: each of the clients sends its next CIFAR-10 test image, as PNG,
# when it has its previous answer); CIFAR-10 comes from $RESNET4J_DATA or ./data.
set -euo pipefail
cd "$(dirname "$0")/.."
weights=${1:?usage: bench/serve_load.sh WEIGHTS [ROUNDS] [REQUESTS] [CONCURRENCY]}
rounds=${2:-2}
requests=${3:-5000}
clients=${4:-32}
cifar=${RESNET4J_DATA:-data}/cifar-10-batches-bin/test_batch.bin
out=${OUT:-bench/serve-results-$(date -u +%Y%m%d-%H%M%S).jsonl}
launcher=${RESNET4J:-./resnet4j}
declare -A configs=(
  ["unbatched"]="--max-batch 1 --max-wait-ms 0"
  ["batch32-wait0"]="--max-batch 32 --max-wait-ms 0"
  ["batch32-wait5ms"]="--max-batch 32 --max-wait-ms 5"
)
order=(unbatched batch32-wait0 batch32-wait5ms)

echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores, load average" \
  "$(cut -d' ' -f1 /proc/loadavg); $requests requests, $clients clients, $rounds rounds; server options" \
  "'${SERVE_OPTS:-}'; results in $out"
for ((r = 1; r <= rounds; r++)); do
  for name in "${order[@]}"; do
    log=$(mktemp)
    # shellcheck disable=SC2086
    $launcher serve --weights "$weights" --port 0 ${configs[$name]} ${SERVE_OPTS:-} > "$log.out" 2> "$log" &
    pid=$!
    for _ in $(seq 600); do [[ -s "$log.out" ]] && break; sleep 0.2; done
    url=$(head -1 "$log.out")
    [[ -n "$url" ]] || { echo "the server did not start:"; cat "$log"; kill "$pid"; exit 1; }
    line=$(java bench/LoadClient.java --url "$url" --cifar "$cifar" --requests "$requests" \
           --concurrency "$clients" --json)
    kill -TERM "$pid"; wait "$pid" || true
    rm -f "$log" "$log.out"
    echo "{\"config\":\"$name\",\"round\":$r,${line#\{}" | tee -a "$out"
  done
done
python3 - "$out" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print(f"{'config':<18}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'batch':>7}{'vs unbatched':>14}")
base = statistics.median(r["requests_per_second"] for r in rows if r["config"] == "unbatched")
for c in dict.fromkeys(r["config"] for r in rows):
    rs = [r for r in rows if r["config"] == c]
    m = lambda k: statistics.median(r[k] for r in rs)
    print(f"{c:<18}{m('requests_per_second'):>9.1f}{m('p50_ms'):>9.1f}{m('p99_ms'):>9.1f}{m('mean_batch'):>7.2f}"
          f"{m('requests_per_second') / base:>13.2f}x")
PY
