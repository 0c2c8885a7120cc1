package org.resnet4j.model;

import java.util.ArrayList;
import java.util.List;

import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** A residual block: y = F(x) + shortcut(x), or just F(x) for plain nets. */
public abstract class Block extends Module {
    private final long outChannels;
    protected ShortcutPath shortcut;

    protected Block(BlockArgs args, int expansion) {
        this.outChannels = args.planes() * expansion;
    }

    /** Registers the shortcut after the branch, so parameters come in the order PyTorch's blocks list them. */
    protected final void attachShortcut(BlockArgs args, boolean projectionNorm) {
        shortcut = ShortcutPath.create(this, args, outChannels, projectionNorm);
    }

    public abstract Tensor forward(Tensor x);

    public long outChannels() {
        return outChannels;
    }

    /** The weight of the branch's last layer, zeroed by {@code zeroInitResidual} so the block starts as its shortcut. */
    abstract Tensor lastBranchWeight();

    /**
     * Folds every BatchNorm that directly follows a convolution into it, for inference; pre-activation blocks have
     * none (their BN feeds a ReLU before the convolution) and stay as they are.
     */
    void foldNorms() {
    }

    /** Appends this block's layers (depth + 1) and returns its output shape. */
    abstract Shape describeBranch(String name, Shape in, List<LayerRow> rows, int depth);

    /** Adds the shortcut to the branch output in place and applies the final ReLU of post-activation blocks. */
    protected Tensor merge(Tensor branch, Tensor shortcutInput, boolean relu) {
        Tensor out = shortcut.isNone() ? branch : branch.add_(shortcut.apply(shortcutInput));
        return relu ? torch.relu_(out) : out;
    }

    /** One summary row for the block followed by rows for its layers and shortcut. */
    final Shape describe(String name, Shape in, List<LayerRow> rows, int depth) {
        List<LayerRow> inner = new ArrayList<>();
        Shape out = describeBranch(name, in, inner, depth + 1);
        shortcut.describe(name, shortcutShape(in), inner, depth + 1);
        long macs = inner.stream().mapToLong(LayerRow::multiplyAdds).sum();
        String kind = getClass().getSimpleName() + " [shortcut: " + shortcut.label() + "]";
        rows.add(new LayerRow(name, kind, out, Layers.parameterCount(this), macs, depth));
        rows.addAll(inner);
        return out;
    }

    /** The shape the shortcut sees: the block input, or its pre-activation (same shape). */
    protected Shape shortcutShape(Shape in) {
        return in;
    }
}
