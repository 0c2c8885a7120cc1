package org.resnet4j.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.node.ObjectNode;

import org.resnet4j.bench.OnnxRuntimeBenchmark;
import org.resnet4j.bench.StepBenchmark;
import org.resnet4j.dist.DataParallelBenchmark;
import org.resnet4j.dist.LaunchEnvironment;
import org.resnet4j.dist.WorkerGroup;
import org.resnet4j.engine.ComputeDevice;
import org.resnet4j.engine.Engine;
import org.resnet4j.engine.EngineSettings;
import org.resnet4j.engine.InferenceSettings;
import org.resnet4j.engine.Layout;
import org.resnet4j.engine.Precision;
import org.resnet4j.model.ModelOptions;
import org.resnet4j.model.ResNet;
import org.resnet4j.model.Shape;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Time a model's training step (forward, backward, SGD update) or inference on synthetic input:"
                + " warm-up, then the median of timed steps.", "Started by a launcher (resnet4j launch, torchrun) in"
                + " train mode, it times data-parallel steps against the same steps without communication, and the"
                + " all-reduce (--steps per round, --rounds rounds)."})
final class BenchCommand extends SettingsCommand implements Callable<Integer> {

    @Option(names = "--model", defaultValue = "resnet18", paramLabel = "NAME", description = "variant (default"
            + " ${DEFAULT-VALUE})")
    String model;

    @Option(names = "--mode", defaultValue = "train", paramLabel = "train|eval", description = "what to time"
            + " (default ${DEFAULT-VALUE})")
    Mode mode;

    @Option(names = "--batch-size", defaultValue = "128", paramLabel = "N", description = "default ${DEFAULT-VALUE}")
    int batchSize;

    @Option(names = "--precision", defaultValue = "fp32", paramLabel = "fp32|bf16|fp16", description = "default"
            + " ${DEFAULT-VALUE}; bf16 and fp16 (CUDA) mean autocast, fp16 training with loss scaling")
    Precision precision;

    @Option(names = "--layout", defaultValue = "auto", paramLabel = "auto|nchw|channels-last", description = "memory"
            + " layout (default auto: channels-last where it is faster, the 6n+2 nets and basic-block nets training"
            + " in bf16)")
    Layout layout;

    @Option(names = "--fold-bn", negatable = true, description = "eval mode: fold BatchNorm into the convolutions"
            + " (default: on)")
    Boolean foldBn;

    @Option(names = "--runtime", defaultValue = "libtorch", paramLabel = "libtorch|onnxruntime",
            description = "eval mode: run resnet4j's model in libtorch, or its ONNX export in ONNX Runtime (CPU, --threads"
                    + " intra-op threads) (default ${DEFAULT-VALUE})")
    Runtime runtime;

    @Option(names = "--input", paramLabel = "CxHxW", description = "input shape (default: the variant's)")
    String input;

    @Option(names = "--warmup", defaultValue = "3", paramLabel = "N", description = "untimed steps (default"
            + " ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--steps", defaultValue = "10", paramLabel = "N", description = "timed steps (default"
            + " ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--rounds", defaultValue = "3", paramLabel = "N", description = "data-parallel benchmark:"
            + " alternating rounds of data-parallel and local steps (default ${DEFAULT-VALUE})")
    int rounds;

    @Option(names = "--json", description = "print one JSON object (images_per_second, median_ms, peak_rss_mib, ...)")
    boolean json;

    enum Mode {
        TRAIN, EVAL;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    enum Runtime {
        LIBTORCH, ONNXRUNTIME;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private void printParallel(DataParallelBenchmark.Result r, boolean cl) {
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            ObjectNode o = Json.object();
            o.put("model", model);
            o.put("mode", "train");
            o.put("processes", r.world());
            o.put("threads_per_process", r.threads());
            o.put("batch_per_process", r.batchPerProcess());
            o.put("precision", precision.toString());
            o.put("channels_last", cl);
            o.put("images_per_second", r.imagesPerSecond());
            o.put("step_ms", r.parallelMs());
            o.put("step_without_communication_ms", r.localMs());
            o.put("communication_share", r.communicationShare());
            o.put("gradient_bytes", r.gradientBytes());
            var a = o.putArray("all_reduce");
            for (DataParallelBenchmark.AllReduce x : r.allReduces()) {
                a.addObject().put("bytes", x.bytes()).put("median_ms", x.medianMs()).put("algorithm_gbps",
                        x.algorithmGBps()).put("bus_gbps", x.busGBps());
            }
            Json.print(out, o);
            return;
        }
        out.printf(Locale.ROOT, "%s train, %d processes x %d threads, batch %d per process, %s: %.1f images/s; step %.1f"
                + " ms, %.1f ms without communication (%.0f%% of a step waits on it)%n", model, r.world(), r.threads(),
                r.batchPerProcess(), precision, r.imagesPerSecond(), r.parallelMs(), r.localMs(),
                100 * r.communicationShare());
        for (DataParallelBenchmark.AllReduce x : r.allReduces()) {
            out.printf(Locale.ROOT, "all-reduce %8.1f MiB: %7.2f ms, algorithm %.2f GB/s, bus %.2f GB/s%n",
                    x.bytes() / 1048576.0, x.medianMs(), x.algorithmGBps(), x.busGBps());
        }
    }

    @Override
    List<Class<? extends Record>> settingsTypes() {
        return List.of(EngineSettings.class, InferenceSettings.class);
    }

    @Override
    public Integer call() throws java.io.IOException {
        boolean train = mode == Mode.TRAIN;
        boolean onnx = runtime == Runtime.ONNXRUNTIME;
        if (onnx && (train || precision != Precision.FP32 || layout == Layout.CHANNELS_LAST)) {
            throw new IllegalArgumentException("--runtime onnxruntime times fp32 inference: use --mode eval, without"
                    + " --precision bf16 or --layout channels-last");
        }
        EngineSettings engine = settings(EngineSettings.class);
        engine.start();
        ComputeDevice device = onnx ? ComputeDevice.CPU : engine.startOnDevice();
        ModelOptions mo = ModelOptions.of(model);
        Shape shape = input == null ? mo.architecture().defaultInput() : Shape.parse(input);
        boolean cl = !onnx && layout.channelsLastOn(device, mo.architecture(), precision, train);
        Optional<LaunchEnvironment> launch = LaunchEnvironment.current();
        if (launch.isPresent()) {
            if (!train || onnx) {
                throw new IllegalArgumentException("started by a launcher, bench times data-parallel training: use"
                        + " --mode train with the libtorch runtime");
            }
            try (WorkerGroup group = WorkerGroup.join(launch.get(), java.time.Duration.ofMinutes(5))) {
                DataParallelBenchmark.Result r = DataParallelBenchmark.run(group, model, shape, batchSize, precision,
                        cl, warmup, steps, rounds);
                if (group.isRankZero()) {
                    printParallel(r, cl);
                }
            }
            return 0;
        }
        boolean fold = !train && (foldBn == null || foldBn);
        boolean fuse = fold && !onnx && !device.isCuda() && settings(InferenceSettings.class).fuse()
                && ResNet.fusable(mo.architecture());
        StepBenchmark.Options options = new StepBenchmark.Options(model, train, batchSize, precision, cl, fold, fuse,
                warmup, steps, shape);
        StepBenchmark.Result r = onnx ? OnnxRuntimeBenchmark.run(options, Engine.threads())
                : StepBenchmark.run(options, device);
        PrintWriter out = spec.commandLine().getOut();
        double mib = r.peakRssBytes() / 1048576.0;
        if (json) {
            ObjectNode o = Json.object();
            o.put("model", model);
            o.put("mode", train ? "train" : "eval");
            o.put("runtime", onnx ? "onnxruntime" : "libtorch");
            o.put("device", device.toString());
            o.put("batch_size", batchSize);
            o.put("precision", precision.toString());
            o.put("channels_last", cl);
            o.put("fold_bn", fold);
            o.put("fused", fuse);
            o.put("threads", r.threads());
            o.put("images_per_second", r.imagesPerSecond());
            o.put("median_ms", r.medianSeconds() * 1000);
            o.put("min_ms", r.minSeconds() * 1000);
            o.put("max_ms", r.maxSeconds() * 1000);
            o.put("steps", steps);
            o.put("peak_rss_mib", mib);
            o.put("cpu", Engine.cpuCapability());
            Json.print(out, o);
        } else {
            out.printf(Locale.ROOT, "%s %s%s%s, batch %d, %s%s%s, %d threads: %.1f images/s (median %.1f ms, min %.1f,"
                    + " max %.1f over %d steps), peak RSS %.0f MiB%n", model, train ? "train" : "eval",
                    onnx ? " in ONNX Runtime" : "", device.isCuda() ? " on " + device : "", batchSize, precision, cl ? " channels-last" : "",
                    fold ? (fuse ? " fused" : " folded BN") : "", r.threads(),
                    r.imagesPerSecond(), r.medianSeconds() * 1000, r.minSeconds() * 1000, r.maxSeconds() * 1000,
                    steps, mib);
        }
        return 0;
    }
}
