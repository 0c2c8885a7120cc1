#!/usr/bin/env bash
# Everything that needs a CUDA device, in one go, so that it runs unchanged the day a GPU machine is at hand:
# builds with -Pgpu (libtorch's CUDA natives), checks that libtorch sees a device, runs the tests tagged `cuda`
# (CudaDeviceTest: CPU-equal logits, training in fp32/bf16/fp16 with loss scaling, state read back), then times a
# short `resnet4j bench --device cuda` of training and inference in fp32, bf16 and fp16.
#
#   bench/gpu_check.sh [MODEL]      (default resnet18; OUT=DIR for the results, default bench/gpu-check-<time>/)
#
# Needs an NVIDIA driver and, on the library path, the CUDA libraries Maven Central does not carry for this release:
# cuBLAS, cuSPARSE, cuSOLVER (CUDA 13.1), cuDNN 9.19 and NCCL 2 (docs/devices.md).
set -euo pipefail
cd "$(dirname "$0")/.."
model="${1:-resnet18}"
out=${OUT:-bench/gpu-check-$(date -u +%Y%m%d-%H%M%S)}
mkdir -p "$out"

./mvnw -q -Pgpu -DskipTests package
./resnet4j info | tee "$out/info.txt"
./resnet4j info --json > "$out/info.json"
if ! grep -q '"cuda:0' "$out/info.json"; then
  echo "gpu_check: libtorch sees no CUDA device (see $out/info.txt: cuda, devices)" >&2
  exit 1
fi

./mvnw -Pgpu test -Dgroups=cuda -Dsurefire.failIfNoSpecifiedTests=false > "$out/tests.log" 2>&1 \
  || { tail -40 "$out/tests.log" >&2; echo "gpu_check: the cuda tests failed (see $out/tests.log)" >&2; exit 1; }
if grep -l 'skipped="[1-9]' target/surefire-reports/TEST-*.xml > /dev/null 2>&1; then
  echo "gpu_check: cuda tests were skipped:" >&2
  grep -h -A2 '<skipped' target/surefire-reports/TEST-*.xml >&2
  exit 1
fi
grep -h 'Tests run:' "$out/tests.log" | tail -1

for mode in train eval; do
  for precision in fp32 bf16 fp16; do
    ./resnet4j bench --device cuda --model "$model" --mode "$mode" --precision "$precision" --batch-size 128 \
      --warmup 5 --steps 20 --json | tee -a "$out/bench.jsonl"
  done
done
./resnet4j bench --device cuda --cudnn-benchmark --model "$model" --mode train --precision fp16 --batch-size 128 \
  --warmup 5 --steps 20 --json | tee -a "$out/bench.jsonl"
echo "gpu_check: passed; results in $out"
