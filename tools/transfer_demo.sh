#!/usr/bin/env bash
# The fine-tuning runs of docs/transfer-learning.md, one after the other, with their wall times.
#   tools/transfer_demo.sh PRETRAINED_CKPT FINETUNE_FOLDER OUT [EPOCHS]
# R4J names the command (default ./resnet4j); every run uses the same recipe and seed.
set -euo pipefail
ckpt="$1"; data="$2"; out="$3"; epochs="${4:-15}"
r4j="${R4J:-./resnet4j}"
common=(train --dataset folder --data-dir "$data" --model resnet20 --epochs "$epochs" --batch-size 32
        --lr 0.05 --schedule cosine --weight-decay 1e-4 --precision bf16 --seed 11
        --eval-batch-size 256 --limit-eval-batches 2)
mkdir -p "$out"
for v in backbone layer2 none scratch; do
  extra=(--weights "$ckpt" --freeze "$v")
  [[ $v == scratch ]] && extra=()
  start=$(date +%s.%N)
  "$r4j" "${common[@]}" "${extra[@]}" --out "$out/$v" > "$out/$v.out" 2> "$out/$v.err"
  end=$(date +%s.%N)
  "$r4j" eval --weights "$out/$v/last.ckpt" --dataset folder --data-dir "$data" --precision bf16 --json > "$out/$v.eval.json"
  echo "{\"variant\": \"$v\", \"train_seconds\": $(echo "$end - $start" | bc)}" > "$out/$v.time.json"
done
