package org.resnet4j.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import org.bytedeco.pytorch.BatchNorm2dImpl;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.resnet4j.engine.ChannelsLast;
import org.resnet4j.engine.Scopes;

/**
 * A residual network: stem, stages of blocks, global average pool and a linear classifier. Parameter and buffer
 * names are those of the equivalent PyTorch model ({@code conv1.weight}, {@code layer1.0.bn1.running_mean},
 * {@code fc.bias}, ...), so state dicts move between the two unchanged. Build one with {@link ResNets#create}.
 */
public final class ResNet extends Module {
    private final ModelOptions options;
    private final Architecture arch;
    private final Conv2dImpl conv1;
    private final ConvNorm stem;
    private final List<List<Block>> stages = new ArrayList<>();
    /**
     * The stage containers. libtorch calls back into Java for virtual methods such as train(), so every module's
     * Java object must stay reachable as long as the model is; a collected one turns eval() into an NPE.
     */
    private final List<Module> containers = new ArrayList<>();
    /** Each stage's opening conv → BN (→ ReLU → max-pool) in the ResNet-9 layout; null entries otherwise. */
    private final List<ConvNorm> transitions = new ArrayList<>();
    private final BatchNorm2dImpl postBn;
    private final LinearImpl fc;
    private boolean folded;
    private boolean channelsLast;

    ResNet(ModelOptions options) {
        this.options = options;
        this.arch = options.architecture();
        boolean preact = arch.block().preActivation();
        long width = arch.stemWidth();
        Conv2dImpl conv = arch.stem() == Stem.IMAGENET ? Layers.conv(options.inChannels(), width, 7, 2, 3)
                : Layers.conv3x3(options.inChannels(), width, 1);
        // Pre-activation nets normalise at the start of each block instead, and once more after the last one.
        stem = preact ? null : new ConvNorm(this, "conv1", conv, "bn1", Layers.batchNorm(width));
        conv1 = preact ? register_module("conv1", conv) : stem.conv();
        long in = width;
        int[] sizes = arch.stageSizes();
        int[] widths = arch.widths();
        for (int s = 0; s < sizes.length; s++) {
            Module layer = register_module("layer" + (s + 1), new Module());
            containers.add(layer);
            ConvNorm transition = null;
            if (arch.transitions()) {
                Module t = layer.register_module("transition", new Module());
                containers.add(t);
                transition = new ConvNorm(t, "conv", Layers.conv3x3(in, widths[s], 1), "bn",
                        Layers.batchNorm(widths[s]));
                in = widths[s];
            }
            transitions.add(transition);
            List<Block> blocks = new ArrayList<>();
            for (int i = 0; i < sizes[s]; i++) {
                int stride = i == 0 && s > 0 && !arch.transitions() ? 2 : 1;
                Block b = arch.block().create(new BlockArgs(in, widths[s], stride, options.shortcut(),
                        arch.shortcutName()));
                layer.register_module(Integer.toString(i), b);
                blocks.add(b);
                in = b.outChannels();
            }
            stages.add(Collections.unmodifiableList(blocks));
        }
        postBn = preact ? register_module("post_bn", Layers.batchNorm(in)) : null;
        fc = register_module("fc", new LinearImpl(in, options.numClasses()));
    }

    public ModelOptions options() {
        return options;
    }

    public Architecture architecture() {
        return arch;
    }

    public List<List<Block>> stages() {
        return Collections.unmodifiableList(stages);
    }

    /** Logits, shape [N, classes], for input [N, C, H, W]. */
    public Tensor forward(Tensor x) {
        return fc.forward(features(x));
    }

    /** The penultimate representation: the pooled output of the last stage, shape [N, features]. */
    public Tensor features(Tensor x) {
        return pool(body(x));
    }

    /** The last stage's feature map, before pooling. */
    public Tensor body(Tensor x) {
        // Each block runs in a scope of its own and each block input is released once consumed, so in eval mode
        // activations are freed as the forward pass moves on (autograd keeps what backward needs in training).
        Tensor out = Scopes.keepingOnlyResult(() -> stem(x));
        for (int s = 0; s < stages.size(); s++) {
            out = next(out, transition(s, out));
            for (Block b : stages.get(s)) {
                Tensor in = out;
                out = next(in, Scopes.keepingOnlyResult(() -> b.forward(in)));
            }
        }
        return postBn == null ? out : torch.relu_(postBn.forward(out));
    }

    /** Returns {@code produced}, releasing the handle of {@code consumed} when it is a different tensor. */
    private static Tensor next(Tensor consumed, Tensor produced) {
        if (produced != consumed) {
            Scopes.release(consumed);
        }
        return produced;
    }

    /**
     * Logits, as {@link #forward}, adding to {@code blockInputs} the input of every block in order (x_1 ... x_L)
     * and, last, the final block's output; each asked to keep its gradient, so that after backward
     * {@code grad()} holds ∂L/∂x_l.
     */
    public Tensor forwardRecording(Tensor x, List<Tensor> blockInputs) {
        Tensor out = stem(x);
        for (int s = 0; s < stages.size(); s++) {
            out = transition(s, out);
            for (Block b : stages.get(s)) {
                out.__dispatch_retain_grad();
                blockInputs.add(out);
                out = b.forward(out);
            }
        }
        out.__dispatch_retain_grad();
        blockInputs.add(out);
        Tensor features = postBn == null ? out : torch.relu(postBn.forward(out));
        return fc.forward(pool(features));
    }

    /** The dotted names of the blocks in forward order ({@code layer1.0}, {@code layer1.1}, ...). */
    public List<String> blockNames() {
        List<String> names = new ArrayList<>();
        for (int s = 0; s < stages.size(); s++) {
            for (int b = 0; b < stages.get(s).size(); b++) {
                names.add("layer" + (s + 1) + "." + b);
            }
        }
        return names;
    }

    private Tensor transition(int stage, Tensor x) {
        ConvNorm t = transitions.get(stage);
        return t == null ? x : torch.max_pool2d(torch.relu_(t.forward(x)), 2, 2);
    }

    Tensor stem(Tensor x) {
        Tensor out = stem == null ? conv1.forward(x) : torch.relu_(stem.forward(x));
        if (arch.stem() == Stem.IMAGENET) {
            out = torch.max_pool2d(out, new long[] {3, 3}, new long[] {2, 2}, new long[] {1, 1}, new long[] {1, 1},
                    false);
        }
        return out;
    }

    static Tensor pool(Tensor featureMap) {
        return torch.adaptive_avg_pool2d(featureMap, 1, 1).flatten(1, -1);
    }

    /**
     * Folds every BatchNorm that follows a convolution into that convolution's weight and bias: the same eval-mode
     * outputs from fewer kernels. Irreversible, and for inference only: the model can no longer be trained.
     */
    public void foldBatchNorm() {
        try (org.bytedeco.pytorch.NoGradGuard guard = new org.bytedeco.pytorch.NoGradGuard()) {
            if (stem != null) {
                stem.fold();
            }
            transitions.stream().filter(java.util.Objects::nonNull).forEach(ConvNorm::fold);
            for (List<Block> stage : stages) {
                for (Block b : stage) {
                    b.foldNorms();
                }
            }
        }
        folded = true;
    }

    /** See {@link Architecture#supportsChannelsLast()}. */
    public boolean supportsChannelsLast() {
        return arch.supportsChannelsLast();
    }

    /** Re-lays the convolution weights out channels-last (feed it channels-last input), where oneDNN allows. */
    public void toChannelsLast() {
        if (!supportsChannelsLast()) {
            throw new IllegalArgumentException(options.name() + " cannot run channels-last here: libtorch's oneDNN"
                    + " plans its kernels for one-byte caches on this processor, which it gets wrong or crashes on in"
                    + " that layout; leave out --channels-last");
        }
        ChannelsLast.convert(this);
        channelsLast = true;
    }

    /** Whether the weights are channels-last ({@link #toChannelsLast()}), so input should be too. */
    public boolean isChannelsLast() {
        return channelsLast;
    }

    /** Whether {@link #foldBatchNorm()} has run. */
    public boolean isFolded() {
        return folded;
    }

    /** Width of the penultimate layer (the classifier's input). */
    public long featureCount() {
        return fc.weight().size(1);
    }

    public long parameterCount() {
        return Layers.parameterCount(this);
    }

    /**
     * The layer table for one input of {@code input} shape: stem layers, a row per stage and per block (with its
     * shortcut), and, up to {@code maxDepth}, each block's layers.
     */
    public List<LayerRow> summary(Shape input, int maxDepth) {
        if (input.channels() != options.inChannels()) {
            throw new IllegalArgumentException(options.name() + " takes " + options.inChannels()
                    + "-channel input, not " + input.channels());
        }
        List<LayerRow> rows = new ArrayList<>();
        Shape s = stem == null ? Layers.describeConv("conv1", conv1, input, rows, 1) : stem.describe("", input, rows, 1);
        if (arch.stem() == Stem.IMAGENET) {
            s = new Shape(s.channels(), (s.height() - 1) / 2 + 1, (s.width() - 1) / 2 + 1);
            rows.add(new LayerRow("maxpool", "MaxPool2d 3x3/2", s, 0, 0, 1));
        }
        for (int i = 0; i < stages.size(); i++) {
            String name = "layer" + (i + 1);
            List<LayerRow> inner = new ArrayList<>();
            if (transitions.get(i) != null) {
                s = transitions.get(i).describe(name + ".transition", s, inner, 2);
                s = new Shape(s.channels(), s.height() / 2, s.width() / 2);
                inner.add(new LayerRow(name + ".pool", "MaxPool2d 2x2/2", s, 0, 0, 2));
            }
            for (int b = 0; b < stages.get(i).size(); b++) {
                s = stages.get(i).get(b).describe(name + "." + b, s, inner, 2);
            }
            long params = inner.stream().filter(r -> r.depth() == 2).mapToLong(LayerRow::parameters).sum();
            long macs = inner.stream().filter(r -> r.depth() == 2).mapToLong(LayerRow::multiplyAdds).sum();
            rows.add(new LayerRow(name, "Stage (" + (transitions.get(i) != null ? "transition + " : "")
                    + stages.get(i).size() + " blocks)", s, params, macs, 1));
            inner.stream().filter(r -> r.depth() <= maxDepth).forEach(rows::add);
        }
        if (postBn != null) {
            Layers.describeNorm("post_bn", postBn, s, rows, 1);
        }
        Shape pooled = new Shape(s.channels(), 1, 1);
        rows.add(new LayerRow("avgpool", "AdaptiveAvgPool2d", pooled, 0, 0, 1));
        long classes = options.numClasses();
        rows.add(new LayerRow("fc", "Linear", new Shape(classes, 1, 1), Layers.parameterCount(fc),
                s.channels() * classes, 1));
        return rows;
    }
}
