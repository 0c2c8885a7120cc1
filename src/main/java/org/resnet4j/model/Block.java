package org.resnet4j.model;

import java.util.ArrayList;
import java.util.List;

import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * A residual block: y = F(x) + shortcut(x), then ReLU in post-activation blocks. Its layers are its
 * {@link BlockType}'s table, from which the forward pass, the summary rows and BatchNorm folding all follow.
 */
public final class Block extends Module {
    private final BlockType type;
    private final long outChannels;
    /** Pre-activation (BN → ReLU) that the branch and a projection shortcut both see; empty in post-activation. */
    private final List<Step> pre;
    private final List<Step> branch;
    private final ShortcutPath shortcut;
    /** The projection's nn.Sequential-like container, held so its Java object stays reachable (see ResNet). */
    private final Module projection;

    Block(BlockType type, BlockArgs a) {
        this.type = type;
        this.outChannels = a.planes() * type.expansion();
        Builder b = new Builder(this);
        type.layers(b, a.inChannels(), a.planes(), a.stride());
        pre = List.copyOf(b.pre);
        branch = List.copyOf(b.steps);
        // registered after the branch, so parameters come in the order PyTorch's blocks list them
        long in = a.inChannels();
        boolean reshapes = a.stride() != 1 || in != outChannels;
        if (a.shortcut() == Shortcut.B && reshapes) {
            projection = register_module(a.shortcutName(), new Module());
            Conv2dImpl conv = Layers.conv1x1(in, outChannels, a.stride());
            Step layer = type.preActivation() ? new Step.Convolution("0", Conv.register(projection, "0", conv))
                    : new ConvNorm(projection, "0", conv, "1", Layers.batchNorm(outChannels));
            shortcut = new ShortcutPath.Projection(a.shortcutName(), layer, a.stride());
            return;
        }
        projection = null;
        if (a.shortcut() == Shortcut.NONE) {
            shortcut = new ShortcutPath.None();
        } else if (!reshapes) {
            shortcut = new ShortcutPath.Identity();
        } else if (outChannels < in) {
            throw new IllegalArgumentException("option A cannot shrink channels (" + in + " -> " + outChannels + ")");
        } else {
            long extra = outChannels - in;
            shortcut = new ShortcutPath.ZeroPad(a.shortcutName(), a.stride(), extra / 2, extra - extra / 2);
        }
    }

    public Tensor forward(Tensor x) {
        Tensor activated = Step.forward(pre, x);
        Tensor out = Step.forward(branch, activated);
        // A projection sees the pre-activated input, the identity the raw one (He et al. 2016, appendix).
        out = shortcut.addTo(out, shortcut instanceof ShortcutPath.Projection ? activated : x);
        return type.preActivation() ? out : torch.relu_(out);
    }

    public BlockType type() {
        return type;
    }

    public long outChannels() {
        return outChannels;
    }

    /** The weight of the branch's last layer, zeroed by {@code zeroInitResidual} so the block starts as its shortcut. */
    Tensor lastBranchWeight() {
        return branch.get(branch.size() - 1).silencingWeight();
    }

    List<Step> preActivationSteps() {
        return pre;
    }

    List<Step> branchSteps() {
        return branch;
    }

    ShortcutPath shortcut() {
        return shortcut;
    }

    /** Folds every BatchNorm that follows a convolution into it, for inference. */
    void foldNorms() {
        pre.forEach(Step::fold);
        branch.forEach(Step::fold);
        if (shortcut instanceof ShortcutPath.Projection p) {
            p.layer().fold();
        }
    }

    /** One summary row for the block followed by rows for its layers and shortcut. */
    Shape describe(String name, Shape in, List<LayerRow> rows, int depth) {
        List<LayerRow> inner = new ArrayList<>();
        Shape activated = Step.describe(pre, name, in, inner, depth + 1);
        Shape out = Step.describe(branch, name, activated, inner, depth + 1);
        shortcut.describe(name, in, inner, depth + 1);
        long macs = inner.stream().mapToLong(LayerRow::multiplyAdds).sum();
        rows.add(new LayerRow(name, type.displayName() + " [shortcut: " + shortcut.label() + "]", out,
                Layers.parameterCount(this), macs, depth));
        rows.addAll(inner);
        return out;
    }

    /** Registers a block's layers under PyTorch's names, in PyTorch's order, as its type's table lists them. */
    static final class Builder {
        private final Module owner;
        private final List<Step> pre = new ArrayList<>();
        private final List<Step> steps = new ArrayList<>();

        private Builder(Module owner) {
            this.owner = owner;
        }

        /** {@code conv<i>} followed by {@code bn<i>}. */
        Builder convNorm(int i, Conv2dImpl conv) {
            steps.add(new ConvNorm(owner, "conv" + i, conv, "bn" + i,
                    Layers.batchNorm(conv.options().out_channels().get())));
            return this;
        }

        Builder conv(int i, Conv2dImpl conv) {
            steps.add(new Step.Convolution("conv" + i, Conv.register(owner, "conv" + i, conv)));
            return this;
        }

        Builder norm(int i, long channels) {
            steps.add(new Step.Norm("bn" + i, owner.register_module("bn" + i, Layers.batchNorm(channels))));
            return this;
        }

        Builder relu() {
            steps.add(new Step.Relu());
            return this;
        }

        /** The steps so far are the pre-activation, which a projection shortcut sees too. */
        Builder preActivation() {
            pre.addAll(steps);
            steps.clear();
            return this;
        }
    }
}
