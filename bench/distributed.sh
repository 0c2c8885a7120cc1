#!/usr/bin/env bash
# The figures of docs/distributed.md.
#   bench/distributed.sh scaling [ROUNDS]   2 processes x 1 thread against 1 process x 2 threads (ResNet-20, ResNet-18)
#   bench/distributed.sh veth               the data-parallel benchmark with one rank in each of two network namespaces
#   bench/distributed.sh accuracy EPOCHS    a real CIFAR-10 run on 1 and on 2 processes at the same global batch
# RESNET4J (default ./resnet4j) is the command line, DATA_DIR where CIFAR-10 lies; each prints JSON lines.
set -euo pipefail
cd "$(dirname "$0")/.."
r4j=${RESNET4J:-./resnet4j}
what=${1:-scaling}

case "$what" in
scaling)
  rounds=${2:-2}
  for ((i = 1; i <= rounds; i++)); do
    for model in resnet20 resnet18; do
      $r4j bench --model "$model" --batch-size 128 --threads 2 --steps 5 --json
      $r4j launch --nproc-per-node 2 --master-port 29510 bench --model "$model" --batch-size 64 --threads 1 \
        --steps 5 --rounds 2 --json 2>/dev/null | tail -1
    done
  done
  ;;
veth)
  a=r4jbench-a b=r4jbench-b
  trap 'ip netns del $a 2>/dev/null; ip netns del $b 2>/dev/null' EXIT
  ip netns add $a && ip netns add $b
  ip link add r4jva netns $a type veth peer name r4jvb netns $b
  ip -n $a addr add 10.213.9.1/24 dev r4jva && ip -n $b addr add 10.213.9.2/24 dev r4jvb
  for ns in $a $b; do ip -n $ns link set lo up; done
  ip -n $a link set r4jva up && ip -n $b link set r4jvb up
  for r in 0 1; do
    ns=$([[ $r == 0 ]] && echo $a || echo $b)
    RANK=$r WORLD_SIZE=2 LOCAL_RANK=0 LOCAL_WORLD_SIZE=1 MASTER_ADDR=10.213.9.1 MASTER_PORT=29511 \
      ip netns exec $ns $r4j bench --model resnet20 --batch-size 64 --threads 1 --steps 5 --rounds 2 --json \
      > /tmp/r4j-veth-$r.json 2>/dev/null &
  done
  wait
  cat /tmp/r4j-veth-0.json
  ;;
accuracy)
  epochs=${2:-10}
  common=(--model resnet20 --epochs "$epochs" --schedule cosine --precision bf16 --seed 5 --json
    ${DATA_DIR:+--data-dir "$DATA_DIR"})
  $r4j train "${common[@]}" --batch-size 128 --out runs/dist-accuracy-1x128 | tail -1
  $r4j launch --nproc-per-node 2 --master-port 29512 train "${common[@]}" --batch-size 64 \
    --out runs/dist-accuracy-2x64 2>/dev/null | tail -1
  ;;
*)
  echo "usage: bench/distributed.sh scaling [ROUNDS] | veth | accuracy [EPOCHS]" >&2
  exit 2
  ;;
esac
