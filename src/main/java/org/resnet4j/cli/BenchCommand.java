package org.resnet4j.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.node.ObjectNode;

import org.resnet4j.bench.OnnxRuntimeBenchmark;
import org.resnet4j.engine.ComputeDevice;
import org.resnet4j.engine.EngineSettings;
import org.resnet4j.engine.Layout;
import org.resnet4j.engine.Precision;
import org.resnet4j.bench.StepBenchmark;
import org.resnet4j.engine.Engine;
import org.resnet4j.model.ModelOptions;
import org.resnet4j.model.Shape;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Time a model's training step (forward, backward, SGD update) or inference on synthetic input:"
                + " warm-up, then the median of timed steps.")
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

    @Override
    List<Class<? extends Record>> settingsTypes() {
        return List.of(EngineSettings.class);
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
        boolean fold = !train && (foldBn == null || foldBn);
        StepBenchmark.Options options = new StepBenchmark.Options(model, train, batchSize, precision, cl, fold, warmup,
                steps, shape);
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
                    fold ? " folded BN" : "", r.threads(),
                    r.imagesPerSecond(), r.medianSeconds() * 1000, r.minSeconds() * 1000, r.maxSeconds() * 1000,
                    steps, mib);
        }
        return 0;
    }
}
