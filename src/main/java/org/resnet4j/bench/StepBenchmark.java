package org.resnet4j.bench;

import java.util.Arrays;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Optimizer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.MemoryFormat;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.resnet4j.engine.Autocast;
import org.resnet4j.engine.ComputeDevice;
import org.resnet4j.engine.Engine;
import org.resnet4j.engine.Precision;
import org.resnet4j.engine.ProcessMemory;
import org.resnet4j.engine.Tensors;
import org.resnet4j.model.ModelOptions;
import org.resnet4j.model.ResNet;
import org.resnet4j.model.ResNets;
import org.resnet4j.model.Shape;
import org.resnet4j.train.Optimizers;
import org.resnet4j.train.TrainStep;

/**
 * Times a model's training step (forward, backward, SGD update: the trainer's own {@link TrainStep}) or its
 * inference on synthetic input: warm-up steps, then the median of timed steps.
 */
public final class StepBenchmark {
    /** What to time. */
    public record Options(String model, boolean train, int batchSize, Precision precision, boolean channelsLast,
            boolean foldBatchNorm, boolean fuse, int warmup, int steps, Shape input) {
        public Options {
            if (batchSize < 1 || warmup < 0 || steps < 1) {
                throw new IllegalArgumentException("batch size and steps must be positive");
            }
        }
    }

    /** Median step time and its throughput, with the spread and the process's peak resident memory. */
    public record Result(Options options, double medianSeconds, double minSeconds, double maxSeconds,
            double imagesPerSecond, long peakRssBytes, int threads) {
    }

    private StepBenchmark() {
    }

    public static Result run(Options o) {
        return run(o, ComputeDevice.CPU);
    }

    /**
     * Times steps on {@code device}. The synthetic batch is put there once: what is timed is the model's step, not
     * the copy of its input (each timed step ends by reading a number back, which waits for the device).
     */
    public static Result run(Options o, ComputeDevice device) {
        Engine.start();
        Engine.seed(0);
        o.precision().requireSupportedOn(device);
        ResNet net = ResNets.create(ModelOptions.of(o.model()).withInChannels((int) o.input().channels()));
        device.move(net);
        if (o.channelsLast()) {
            net.toChannelsLast();
        }
        Tensor x = device.put(input(o));
        Tensor y = device.put(Tensors.fromLongs(labels(o.batchSize(), net.options().numClasses()), o.batchSize()));
        double[] times = new double[o.steps()];
        if (o.train()) {
            Optimizer sgd = Optimizers.sgd(net, 0.1, 0.9, 5e-4);
            TrainStep step = new TrainStep(net, sgd, o.precision(), 0, 0);
            net.train(true);
            for (int i = 0; i < o.warmup() + o.steps(); i++) {
                long t0 = System.nanoTime();
                try (PointerScope scope = new PointerScope()) {
                    step.run(x, y, 0.01);
                }
                record(times, i - o.warmup(), t0);
            }
        } else {
            net.eval();
            if (o.foldBatchNorm()) {
                net.foldBatchNorm();
                if (o.fuse() && !device.isCuda() && ResNet.fusable(net.architecture())) {
                    net.fuseForInference();
                }
            }
            for (int i = 0; i < o.warmup() + o.steps(); i++) {
                long t0 = System.nanoTime();
                try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard();
                     Autocast ac = o.precision().autocast(device)) {
                    net.forward(x).sum().item_double();
                }
                record(times, i - o.warmup(), t0);
            }
        }
        return summarize(o, times, Engine.threads());
    }

    /** The median, fastest and slowest of the timed steps, with the process's peak resident memory. */
    static Result summarize(Options o, double[] times, int threads) {
        double[] sorted = times.clone();
        Arrays.sort(sorted);
        double median = median(sorted);
        return new Result(o, median, sorted[0], sorted[sorted.length - 1], o.batchSize() / median,
                ProcessMemory.peakResident(), threads);
    }

    /** The median of {@code values}. */
    public static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    static void record(double[] times, int i, long t0) {
        if (i >= 0) {
            times[i] = (System.nanoTime() - t0) / 1e9;
        }
    }

    private static Tensor input(Options o) {
        Shape s = o.input();
        return torch.randn(new long[] {o.batchSize(), s.channels(), s.height(), s.width()},
                new TensorOptions(ScalarType.Float)).contiguous(o.channelsLast() ? MemoryFormat.ChannelsLast
                        : MemoryFormat.Contiguous);
    }

    private static long[] labels(int n, int classes) {
        long[] y = new long[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % classes;
        }
        return y;
    }
}
