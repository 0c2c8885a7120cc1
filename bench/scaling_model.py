"""Predicted data-parallel scaling of ResNet-50 on many workers, calibrated with bench/distributed.sh's figures.

    python3 bench/scaling_model.py --step-ms S --local-ms L --allreduce-ms A --allreduce-bytes B \
        --loopback-bus-gbps G --latency-us U

step time = compute + the part of the ring all-reduce that backward does not hide, where
    ring all-reduce(N) = 2 (N - 1) / N * gradient bytes / bandwidth + 2 (N - 1) * latency, per bucket for the latency,
    bandwidth = min(link * 0.9, Gloo's own throughput on this CPU (the loopback bus bandwidth measured)),
    hidden = the overlap measured: 1 - (step - step without communication) / all-reduce of the model's gradients.
Prints a markdown table of scaling efficiency (compute / step time) for 8..256 workers at 10, 25 and 100 Gb/s.
"""
import argparse
import math

RESNET50_PARAMS = 25_557_032
BUCKET_BYTES = 25 * 2**20


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--step-ms", type=float, required=True, help="data-parallel step, 2 processes")
    p.add_argument("--local-ms", type=float, required=True, help="the same step without communication")
    p.add_argument("--allreduce-ms", type=float, required=True, help="all-reduce of the model's gradients alone")
    p.add_argument("--loopback-bus-gbps", type=float, required=True, help="GB/s, largest all-reduce measured")
    p.add_argument("--latency-us", type=float, default=50.0, help="per message, TCP between machines")
    p.add_argument("--compute-s", type=float, required=True, help="ResNet-50 compute per step on one worker")
    args = p.parse_args()

    hidden = max(0.0, min(1.0, 1 - (args.step_ms - args.local_ms) / args.allreduce_ms))
    grad = 4 * RESNET50_PARAMS
    buckets = math.ceil(grad / BUCKET_BYTES)
    cpu_gbps = args.loopback_bus_gbps * 8  # Gloo's own ceiling, in Gb/s
    print(f"overlap measured: {100 * hidden:.0f}% of the all-reduce hidden behind backward; "
          f"Gloo's ceiling on this CPU {cpu_gbps:.1f} Gb/s; ResNet-50 gradients {grad / 1e6:.1f} MB in {buckets} "
          f"buckets; compute {args.compute_s:.2f} s per step\n")
    links = [10, 25, 100]
    print("| workers | " + " | ".join(f"{g} Gb/s: all-reduce, efficiency" for g in links) + " |")
    print("|---|" + "---|" * len(links))
    for n in [8, 16, 32, 64, 128, 256]:
        cells = []
        for g in links:
            bandwidth = min(0.9 * g, cpu_gbps) * 1e9 / 8
            t_ar = 2 * (n - 1) / n * grad / bandwidth + buckets * 2 * (n - 1) * args.latency_us * 1e-6
            exposed = (1 - hidden) * t_ar
            # backward (about 2/3 of the compute) cannot hide more than itself
            exposed = max(exposed, t_ar - 2 / 3 * args.compute_s)
            eff = args.compute_s / (args.compute_s + exposed)
            cells.append(f"{t_ar * 1000:.0f} ms, {100 * eff:.0f}%")
        print(f"| {n} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
