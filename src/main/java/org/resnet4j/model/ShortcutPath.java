package org.resnet4j.model;

import java.util.List;

import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** How a block carries its input past the residual branch: y = F(x) + shortcut(x), or F(x) alone in plain nets. */
sealed interface ShortcutPath {
    /** {@code branch} plus the shortcut of {@code x}, in place. */
    Tensor addTo(Tensor branch, Tensor x);

    /** Appends the shortcut's summary rows; {@code in} is the shape it sees. */
    void describe(String name, Shape in, List<LayerRow> rows, int depth);

    /** A short description for the block's summary row. */
    String label();

    /** The input unchanged, where the block keeps the shape. */
    record Identity() implements ShortcutPath {
        @Override
        public Tensor addTo(Tensor branch, Tensor x) {
            return branch.add_(x);
        }

        @Override
        public void describe(String name, Shape in, List<LayerRow> rows, int depth) {
        }

        @Override
        public String label() {
            return "identity";
        }
    }

    /**
     * Option A: subsample by the stride and zero-pad the new channels, half in front and half behind, as the widely
     * used PyTorch port of the paper's CIFAR nets does ({@code F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, planes // 4,
     * planes // 4))}), so its weights carry over channel for channel.
     */
    record ZeroPad(String name, int stride, long front, long back) implements ShortcutPath {
        @Override
        public Tensor addTo(Tensor branch, Tensor x) {
            return branch.add_(of(x));
        }

        /** The shortcut's output: {@code x} subsampled and zero-padded. */
        Tensor of(Tensor x) {
            Tensor sub = stride == 1 ? x
                    : x.slice(2, new LongOptional(0), new LongOptional(), stride)
                       .slice(3, new LongOptional(0), new LongOptional(), stride);
            return torch.constant_pad_nd(sub, 0, 0, 0, 0, front, back);
        }

        @Override
        public void describe(String block, Shape in, List<LayerRow> rows, int depth) {
            rows.add(new LayerRow(Layers.join(block, name), "ZeroPadShortcut (A)", new Shape(in.channels() + front
                    + back, (in.height() - 1) / stride + 1, (in.width() - 1) / stride + 1), 0, 0, depth));
        }

        @Override
        public String label() {
            return "zero-pad (A)";
        }
    }

    /** Option B: a 1×1 convolution (+ BN in post-activation blocks), PyTorch's {@code nn.Sequential} named {@code name}. */
    record Projection(String name, Step layer, int stride) implements ShortcutPath {
        @Override
        public Tensor addTo(Tensor branch, Tensor x) {
            return branch.add_(layer.forward(x));
        }

        @Override
        public void describe(String block, Shape in, List<LayerRow> rows, int depth) {
            layer.describe(Layers.join(block, name), in, rows, depth);
        }

        @Override
        public String label() {
            return "projection 1x1/" + stride + (layer instanceof ConvNorm ? " + BN" : "");
        }
    }

    /** Plain nets: the branch alone. */
    record None() implements ShortcutPath {
        @Override
        public Tensor addTo(Tensor branch, Tensor x) {
            return branch;
        }

        @Override
        public void describe(String name, Shape in, List<LayerRow> rows, int depth) {
        }

        @Override
        public String label() {
            return "none";
        }
    }
}
