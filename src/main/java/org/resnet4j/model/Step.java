package org.resnet4j.model;

import java.util.List;

import org.bytedeco.pytorch.BatchNorm2dImpl;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * One layer of a ResNet's sequential parts (stem, transitions, residual branches, shortcuts). What it computes, its
 * summary row and how BatchNorm folds into it are declared together, so the three cannot drift apart.
 */
sealed interface Step permits Step.Convolution, Step.Norm, ConvNorm, Step.Relu, Step.MaxPool {
    Tensor forward(Tensor x);

    /** Appends this step's summary row (if it has one) and returns its output shape. */
    Shape describe(String prefix, Shape in, List<LayerRow> rows, int depth);

    /** Folds a BatchNorm that follows a convolution into it, for inference; most steps have none. */
    default void fold() {
    }

    /** The weight that, zeroed, silences this step's output (zero-init of a residual branch's last layer). */
    default Tensor silencingWeight() {
        throw new IllegalStateException(getClass().getSimpleName() + " has no weight");
    }

    static Tensor forward(List<Step> steps, Tensor x) {
        Tensor out = x;
        for (Step s : steps) {
            out = s.forward(out);
        }
        return out;
    }

    static Shape describe(List<Step> steps, String prefix, Shape in, List<LayerRow> rows, int depth) {
        Shape s = in;
        for (Step step : steps) {
            s = step.describe(prefix, s, rows, depth);
        }
        return s;
    }

    /** A convolution not followed by its own BatchNorm (pre-activation blocks, option-B projections in them). */
    record Convolution(String name, Conv conv) implements Step {
        @Override
        public Tensor forward(Tensor x) {
            return conv.forward(x);
        }

        @Override
        public Shape describe(String prefix, Shape in, List<LayerRow> rows, int depth) {
            return Layers.describeConv(Layers.join(prefix, name), conv.impl(), in, rows, depth);
        }

        @Override
        public Tensor silencingWeight() {
            return conv.impl().weight();
        }
    }

    /** A BatchNorm that feeds a ReLU rather than following a convolution, so it does not fold. */
    record Norm(String name, BatchNorm2dImpl bn) implements Step {
        @Override
        public Tensor forward(Tensor x) {
            return bn.forward(x);
        }

        @Override
        public Shape describe(String prefix, Shape in, List<LayerRow> rows, int depth) {
            Layers.describeNorm(Layers.join(prefix, name), bn, in, rows, depth);
            return in;
        }
    }

    record Relu() implements Step {
        @Override
        public Tensor forward(Tensor x) {
            return torch.relu_(x);
        }

        @Override
        public Shape describe(String prefix, Shape in, List<LayerRow> rows, int depth) {
            return in;
        }
    }

    /** Max-pooling, as after the ImageNet stem (3×3/2, padding 1) and in ResNet-9's transitions (2×2/2). */
    record MaxPool(String name, int kernel, int stride, int padding) implements Step {
        @Override
        public Tensor forward(Tensor x) {
            return torch.max_pool2d(x, new long[] {kernel, kernel}, new long[] {stride, stride},
                    new long[] {padding, padding}, new long[] {1, 1}, false);
        }

        @Override
        public Shape describe(String prefix, Shape in, List<LayerRow> rows, int depth) {
            Shape out = new Shape(in.channels(), (in.height() + 2 * padding - kernel) / stride + 1,
                    (in.width() + 2 * padding - kernel) / stride + 1);
            rows.add(new LayerRow(Layers.join(prefix, name), "MaxPool2d " + kernel + "x" + kernel + "/" + stride, out,
                    0, 0, depth));
            return out;
        }
    }
}
