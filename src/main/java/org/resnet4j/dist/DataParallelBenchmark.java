package org.resnet4j.dist;

import java.util.ArrayList;
import java.util.List;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Optimizer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.resnet4j.bench.StepBenchmark;
import org.resnet4j.engine.Engine;
import org.resnet4j.engine.Precision;
import org.resnet4j.model.ModelOptions;
import org.resnet4j.model.ResNet;
import org.resnet4j.model.ResNets;
import org.resnet4j.model.Shape;
import org.resnet4j.train.Optimizers;
import org.resnet4j.train.TrainStep;

/**
 * Times data-parallel training steps on the processes of a launch, against the same steps with no gradient exchange
 * (each process on its own, all running at once, so that they compete for the machine as they do in the run): the
 * difference is the part of a step that waits on communication. Also times the all-reduce itself at several sizes.
 * Rounds alternate the two kinds of step so that noise hits both.
 */
public final class DataParallelBenchmark {
    /** All-reduce sizes timed besides the model's own gradients, in bytes. */
    private static final long[] SIZES = {1L << 20, 4L << 20, 16L << 20, 64L << 20};

    /** @param parallelMs and {@code localMs}: median step times, data-parallel and without communication */
    public record Result(int world, int batchPerProcess, double parallelMs, double localMs, double imagesPerSecond,
            double communicationShare, long gradientBytes, List<AllReduce> allReduces, int threads) {
    }

    /** An all-reduce of {@code bytes} of floats: median time, and bandwidths as NCCL's tests define them. */
    public record AllReduce(long bytes, double medianMs, double algorithmGBps, double busGBps) {
    }

    private DataParallelBenchmark() {
    }

    public static Result run(WorkerGroup group, String model, Shape input, int batch, Precision precision,
            boolean channelsLast, int warmup, int steps, int rounds) {
        Engine.seed(group.rank());
        ResNet net = ResNets.create(ModelOptions.of(model).withInChannels((int) input.channels()));
        if (channelsLast) {
            net.toChannelsLast();
        }
        net.train(true);
        Optimizer sgd = Optimizers.sgd(net, 0.1, 0.9, 5e-4);
        TrainStep local = new TrainStep(net, sgd, precision, 0, 0);
        TrainStep parallel = new TrainStep(net, sgd, precision, 0, 0).distributed(new DistributedDataParallel(group,
                net, 25L << 20, true));
        Tensor x = torch.randn(batch, input.channels(), input.height(), input.width());
        if (channelsLast) {
            x = x.contiguous(torch.MemoryFormat.ChannelsLast);
        }
        Tensor y = torch.randint(0, net.options().numClasses(), new long[] {batch});
        List<Double> p = new ArrayList<>();
        List<Double> l = new ArrayList<>();
        time(parallel, x, y, warmup, group, null);
        time(local, x, y, warmup, group, null);
        for (int r = 0; r < rounds; r++) {
            time(parallel, x, y, steps, group, p);
            time(local, x, y, steps, group, l);
        }
        double pm = median(p);
        double lm = median(l);
        long gradientBytes = 4L * net.parameterCount();
        List<AllReduce> reduces = new ArrayList<>();
        for (long bytes : SIZES) {
            reduces.add(allReduce(group, bytes, rounds * steps));
        }
        reduces.add(allReduce(group, gradientBytes, rounds * steps));
        return new Result(group.size(), batch, pm * 1000, lm * 1000, group.size() * batch / pm, Math.max(0, 1 - lm / pm),
                gradientBytes, reduces, Engine.threads());
    }

    /** Runs {@code n} steps after a barrier, adding each one's time (the slowest rank's, as a step waits for it). */
    private static void time(TrainStep step, Tensor x, Tensor y, int n, WorkerGroup group, List<Double> into) {
        group.barrier("the benchmark");
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            try (PointerScope scope = new PointerScope()) {
                step.run(x, y, 0.01);
            }
            double s = (System.nanoTime() - t0) / 1e9;
            if (into != null) {
                into.add(group.max("the benchmark", s));
            }
        }
    }

    private static AllReduce allReduce(WorkerGroup group, long bytes, int iterations) {
        Tensor t = torch.ones(bytes / 4);
        group.allReduceSum(t, "the all-reduce benchmark"); // connects and warms up
        List<Double> times = new ArrayList<>();
        for (int i = 0; i < Math.max(3, iterations / 2); i++) {
            group.barrier("the all-reduce benchmark");
            long t0 = System.nanoTime();
            group.allReduceSum(t, "the all-reduce benchmark");
            times.add(group.max("the all-reduce benchmark", (System.nanoTime() - t0) / 1e9));
        }
        double s = median(times);
        double algorithm = bytes / s / 1e9;
        int n = group.size();
        return new AllReduce(bytes, s * 1000, algorithm, algorithm * 2 * (n - 1) / n);
    }

    private static double median(List<Double> values) {
        return StepBenchmark.median(values.stream().mapToDouble(Double::doubleValue).toArray());
    }
}
