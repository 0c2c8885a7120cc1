package org.resnet4j.analysis;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Optimizer;
import org.bytedeco.pytorch.StringTensorDict;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.resnet4j.data.Augmentation;
import org.resnet4j.data.Batch;
import org.resnet4j.data.BatchBuilder;
import org.resnet4j.data.DataLoader;
import org.resnet4j.data.Dataset;
import org.resnet4j.data.Normalization;
import org.resnet4j.data.Shuffle;
import org.resnet4j.engine.ComputeDevice;
import org.resnet4j.engine.Engine;
import org.resnet4j.engine.Precision;
import org.resnet4j.model.ModelOptions;
import org.resnet4j.model.ResNet;
import org.resnet4j.model.ResNets;
import org.resnet4j.train.Optimizers;
import org.resnet4j.train.TrainStep;

/**
 * How the gradient of the loss reaches each block's input, ||∂L/∂x_l||, from the last block back to the first, on
 * one fixed real batch: at initialisation and after some training steps. The tutorial's claim to test:
 * ∂L/∂x_l = ∂L/∂x_{l+1} · (1 + ∂F/∂x_l), so a shortcut carries the gradient back undiminished, where a plain net
 * has only the ∂F/∂x_l factors.
 */
public final class GradientFlow {
    /** The batch, the training between measurements, and the seed. */
    public record Options(int batchSize, List<Integer> measureAfter, double lr, double weightDecay, long seed) {
        public Options {
            if (batchSize < 1) {
                throw new IllegalArgumentException("batch size must be at least 1");
            }
            measureAfter = measureAfter.stream().sorted().distinct().toList();
            if (measureAfter.isEmpty() || measureAfter.get(0) < 0) {
                throw new IllegalArgumentException("steps to measure after must be 0 or more");
            }
        }
    }

    /**
     * One measurement: for each block input x_1..x_L and the last block's output (names {@code layer1.0} ...
     * {@code output}), ||∂L/∂x||, and the norm of each convolution's and the classifier's weight gradient.
     */
    public record Measurement(String model, int step, double loss, List<String> points, double[] inputGradNorms,
            Map<String, Double> weightGradNorms) {

        /** ||∂L/∂x_1|| / ||∂L/∂x_L||: below 1 the gradient shrinks on its way to the input, above 1 it grows. */
        public double firstToLastRatio() {
            return inputGradNorms[0] / inputGradNorms[inputGradNorms.length - 2];
        }
    }

    private GradientFlow() {
    }

    /** Measures each model in turn; {@code progress} hears each measurement as it is made. */
    public static List<Measurement> run(List<ModelOptions> models, Dataset data, Normalization norm, Options o,
            Consumer<Measurement> progress) {
        return run(models, data, norm, o, ComputeDevice.CPU, progress);
    }

    /** As {@link #run(List, Dataset, Normalization, Options, Consumer)}, each model computing on {@code device}. */
    public static List<Measurement> run(List<ModelOptions> models, Dataset data, Normalization norm, Options o,
            ComputeDevice device, Consumer<Measurement> progress) {
        List<Measurement> out = new ArrayList<>();
        int[] pick = Arrays.copyOf(Shuffle.permutation(data.size(), o.seed()), Math.min(o.batchSize(), data.size()));
        for (ModelOptions m : models) {
            Engine.seed(o.seed());
            ResNet net = ResNets.create(m.withInChannels(data.channels()).withClasses(data.numClasses()));
            device.move(net);
            Optimizer sgd = Optimizers.sgd(net, o.lr(), 0.9, o.weightDecay());
            TrainStep step = new TrainStep(net, sgd, Precision.FP32, 0, 0);
            DataLoader loader = new DataLoader(data, new DataLoader.Options(o.batchSize(), true, true, 1, 2, o.seed(),
                    norm, Augmentation.CIFAR, false));
            try (loader) {
                if (loader.batchesPerEpoch() == 0) {
                    throw new IllegalArgumentException("the data has " + data.size() + " images, fewer than one"
                            + " batch of " + o.batchSize());
                }
                int done = 0;
                int epoch = 0;
                for (int target : o.measureAfter()) {
                    while (done < target) {
                        try (DataLoader.BatchStream s = loader.epoch(epoch++, 0)) {
                            while (s.hasNext() && done < target) {
                                try (PointerScope scope = new PointerScope(); Batch b = s.next()) {
                                    net.train(true);
                                    step.run(b.images(), b.labels(), o.lr());
                                }
                                done++;
                            }
                        }
                    }
                    Measurement measured = measure(net, m.name(), done, data, norm, pick);
                    out.add(measured);
                    progress.accept(measured);
                }
            }
        }
        return out;
    }

    static Measurement measure(ResNet net, String name, int step, Dataset data, Normalization norm, int[] pick) {
        try (PointerScope scope = new PointerScope()) {
            net.train(true);
            net.zero_grad(true);
            Batch b = new BatchBuilder(data, norm).build(pick, 0, pick.length);
            List<Tensor> inputs = new ArrayList<>();
            ComputeDevice device = ComputeDevice.of(net);
            Tensor loss = torch.cross_entropy(net.forwardRecording(device.put(b.images()), inputs),
                    device.put(b.labels()));
            loss.backward();
            double[] norms = new double[inputs.size()];
            for (int i = 0; i < norms.length; i++) {
                norms[i] = inputs.get(i).grad().norm().item_double();
            }
            List<String> points = new ArrayList<>(net.blockNames());
            points.add("output");
            Map<String, Double> weights = new LinkedHashMap<>();
            StringTensorDict params = net.named_parameters();
            for (long i = 0; i < params.size(); i++) {
                String key = params.get(i).key().getString();
                Tensor p = params.get(i).value();
                if ((p.dim() == 4 || key.equals("fc.weight")) && p.grad().defined()) {
                    weights.put(key, p.grad().norm().item_double());
                }
            }
            double l = loss.item_double();
            net.zero_grad(true);
            return new Measurement(name, step, l, List.copyOf(points), norms, weights);
        }
    }
}
