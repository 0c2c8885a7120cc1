package org.resnet4j.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.StringSharedModuleDict;
import org.bytedeco.pytorch.StringTensorDict;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.resnet4j.engine.ChannelsLast;
import org.resnet4j.engine.Layout;
import org.resnet4j.engine.Scopes;

/**
 * A residual network: stem, stages of blocks, global average pool and a linear classifier. Parameter and buffer
 * names are those of the equivalent PyTorch model ({@code conv1.weight}, {@code layer1.0.bn1.running_mean},
 * {@code fc.bias}, ...), so state dicts move between the two unchanged. Build one with {@link ResNets#create}.
 */
public final class ResNet extends Module {
    private final ModelOptions options;
    private final Architecture arch;
    /** conv1 (→ bn1 → ReLU in post-activation nets) (→ max-pool in the ImageNet layout). */
    private final List<Step> stem;
    /** Each stage's opening conv → BN → ReLU → max-pool in the ResNet-9 layout; empty otherwise. */
    private final List<List<Step>> transitions = new ArrayList<>();
    private final List<List<Block>> stages = new ArrayList<>();
    /** Pre-activation nets normalise once more after the last block: post_bn → ReLU. */
    private final List<Step> head;
    /**
     * The stage containers. libtorch calls back into Java for virtual methods such as train(), so every module's
     * Java object must stay reachable as long as the model is; a collected one turns eval() into an NPE.
     */
    private final List<Module> containers = new ArrayList<>();
    private final LinearImpl fc;
    private boolean folded;
    /** The fused inference path ({@link #fuseForInference}), taken in eval mode; null until then. */
    private FusedForward fused;
    private boolean channelsLast;
    private Freeze frozen = Freeze.NONE;

    ResNet(ModelOptions options) {
        this.options = options;
        this.arch = options.architecture();
        boolean preact = arch.block().preActivation();
        long width = arch.stemWidth();
        Conv2dImpl conv = arch.stem() == Stem.IMAGENET ? Layers.conv(options.inChannels(), width, 7, 2, 3)
                : Layers.conv3x3(options.inChannels(), width, 1);
        List<Step> stemSteps = new ArrayList<>();
        if (preact) { // pre-activation nets normalise at the start of each block instead
            stemSteps.add(new Step.Convolution("conv1", Conv.register(this, "conv1", conv)));
        } else {
            stemSteps.add(new ConvNorm(this, "conv1", conv, "bn1", Layers.batchNorm(width)));
            stemSteps.add(new Step.Relu());
        }
        if (arch.stem() == Stem.IMAGENET) {
            stemSteps.add(new Step.MaxPool("maxpool", 3, 2, 1));
        }
        stem = List.copyOf(stemSteps);
        long in = width;
        int[] sizes = arch.stageSizes();
        int[] widths = arch.widths();
        for (int s = 0; s < sizes.length; s++) {
            Module layer = register_module("layer" + (s + 1), new Module());
            containers.add(layer);
            List<Step> transition = List.of();
            if (arch.transitions()) {
                Module t = layer.register_module("transition", new Module());
                containers.add(t);
                transition = List.of(new ConvNorm(t, "conv", Layers.conv3x3(in, widths[s], 1), "bn",
                        Layers.batchNorm(widths[s])), new Step.Relu(), new Step.MaxPool("pool", 2, 2, 0));
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
        head = preact ? List.of(new Step.Norm("post_bn", register_module("post_bn", Layers.batchNorm(in))),
                new Step.Relu()) : List.of();
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

    /** The last stage's feature map, before pooling (channels-last when {@link #isFused() fused}). */
    public Tensor body(Tensor x) {
        if (fused != null && !is_training()) {
            return fused.body(x);
        }
        // Each block runs in a scope of its own and each block input is released once consumed, so in eval mode
        // activations are freed as the forward pass moves on (autograd keeps what backward needs in training).
        Tensor out = Scopes.keepingOnlyResult(() -> Step.forward(stem, x));
        for (int s = 0; s < stages.size(); s++) {
            out = next(out, Step.forward(transitions.get(s), out));
            for (Block b : stages.get(s)) {
                Tensor in = out;
                out = next(in, Scopes.keepingOnlyResult(() -> b.forward(in)));
            }
        }
        return Step.forward(head, out);
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
        Tensor out = Step.forward(stem, x);
        for (int s = 0; s < stages.size(); s++) {
            out = Step.forward(transitions.get(s), out);
            for (Block b : stages.get(s)) {
                out.__dispatch_retain_grad();
                blockInputs.add(out);
                out = b.forward(out);
            }
        }
        out.__dispatch_retain_grad();
        blockInputs.add(out);
        return fc.forward(pool(Step.forward(head, out)));
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

    static Tensor pool(Tensor featureMap) {
        return torch.adaptive_avg_pool2d(featureMap, 1, 1).flatten(1, -1);
    }

    /**
     * Folds every BatchNorm that follows a convolution into that convolution's weight and bias: the same eval-mode
     * outputs from fewer kernels. Irreversible, and for inference only: the model can no longer be trained.
     */
    public void foldBatchNorm() {
        try (NoGradGuard guard = new NoGradGuard()) {
            stem.forEach(Step::fold);
            transitions.forEach(t -> t.forEach(Step::fold));
            for (List<Block> stage : stages) {
                for (Block b : stage) {
                    b.foldNorms();
                }
            }
        }
        folded = true;
    }

    /**
     * Whether {@link #fuseForInference} applies to this architecture here: post-activation nets (whose BatchNorm
     * follows a convolution) on a libtorch with oneDNN.
     */
    public static boolean fusable(Architecture a) {
        return FusedForward.supports(a);
    }

    /**
     * Runs eval-mode passes from now on through oneDNN's fused convolutions ({@link FusedForward}): each with its
     * folded BatchNorm, ReLU and residual add in one kernel, weights prepacked, activations channels-last. Needs
     * {@link #foldBatchNorm()} first and the model on the CPU; the same outputs, within rounding. Training mode still
     * runs the plain layers (which, folded, cannot be trained anyway). The weights are packed on the first pass, so
     * weights written into the model after that are not seen: fuse a model whose weights are final.
     *
     * @throws IllegalStateException    before folding
     * @throws IllegalArgumentException for an architecture that does not fuse ({@link #fusable})
     */
    public void fuseForInference() {
        if (!folded) {
            throw new IllegalStateException("fold BatchNorm before fusing");
        }
        if (!fusable(arch)) {
            throw new IllegalArgumentException(arch.name() + " does not fuse: " + (arch.block().preActivation()
                    ? "its BatchNorm layers follow no convolution" : "this libtorch has no oneDNN"));
        }
        if (fc.weight().is_cuda()) {
            throw new IllegalArgumentException("fused inference runs on the CPU");
        }
        fused = FusedForward.of(stem, transitions, stages, head);
    }

    /**
     * Folds BatchNorm and fuses for inference ({@link #fuseForInference}) where this net can be: a post-activation
     * net on the CPU; otherwise leaves it as it was. For inference only: the model can no longer be trained.
     *
     * @return whether the net is fused
     */
    public boolean fuseWherePossible() {
        if (!isFused() && fusable(arch) && !fc.weight().is_cuda()) {
            if (!folded) {
                foldBatchNorm();
            }
            fuseForInference();
        }
        return isFused();
    }

    /** Whether {@link #fuseForInference()} has run. */
    public boolean isFused() {
        return fused != null;
    }

    /** Re-lays the convolution weights out channels-last (feed it channels-last input), where oneDNN allows. */
    public void toChannelsLast() {
        Layout.CHANNELS_LAST.channelsLast(arch, false); // refuses, saying why, where the engine cannot
        ChannelsLast.convert(this);
        channelsLast = true;
    }

    /** Whether the weights are channels-last ({@link #toChannelsLast()}), so input should be too. */
    public boolean isChannelsLast() {
        return channelsLast;
    }

    /**
     * Freezes {@code part} (and unfreezes the rest): its parameters stop requiring gradients and its BatchNorm layers
     * stay in eval mode whatever {@link #train(boolean)} is told. Build the optimiser after freezing, over the
     * parameters that still require gradients.
     */
    public void freeze(Freeze part) {
        part.check(arch);
        StringTensorDict params = named_parameters(true);
        for (long i = 0; i < params.size(); i++) {
            params.get(i).value().requires_grad_(!part.covers(params.get(i).key().getString()));
        }
        frozen = part;
        train(is_training());
    }

    /** The part {@link #freeze} froze ({@link Freeze#NONE} at first). */
    public Freeze frozen() {
        return frozen;
    }

    /** Training mode for every layer outside the frozen part; frozen layers stay in eval mode. */
    @Override
    public void train(boolean on) {
        super.train(on);
        if (on && frozen.kind() != Freeze.Kind.NONE) {
            StringSharedModuleDict modules = named_modules();
            for (long i = 0; i < modules.size(); i++) {
                var key = modules.get(i).key();
                if (key != null && !key.getString().isEmpty() && frozen.covers(key.getString())) {
                    modules.get(i).value().train(false);
                }
            }
        }
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
        Shape s = Step.describe(stem, "", input, rows, 1);
        for (int i = 0; i < stages.size(); i++) {
            String name = "layer" + (i + 1);
            List<LayerRow> inner = new ArrayList<>();
            s = Step.describe(transitions.get(i), name + ".transition", s, inner, 2);
            for (int b = 0; b < stages.get(i).size(); b++) {
                s = stages.get(i).get(b).describe(name + "." + b, s, inner, 2);
            }
            long params = inner.stream().filter(r -> r.depth() == 2).mapToLong(LayerRow::parameters).sum();
            long macs = inner.stream().filter(r -> r.depth() == 2).mapToLong(LayerRow::multiplyAdds).sum();
            rows.add(new LayerRow(name, "Stage (" + (transitions.get(i).isEmpty() ? "" : "transition + ")
                    + stages.get(i).size() + " blocks)", s, params, macs, 1));
            inner.stream().filter(r -> r.depth() <= maxDepth).forEach(rows::add);
        }
        s = Step.describe(head, "", s, rows, 1);
        Shape pooled = new Shape(s.channels(), 1, 1);
        rows.add(new LayerRow("avgpool", "AdaptiveAvgPool2d", pooled, 0, 0, 1));
        long classes = options.numClasses();
        rows.add(new LayerRow("fc", "Linear", new Shape(classes, 1, 1), Layers.parameterCount(fc),
                s.channels() * classes, 1));
        return rows;
    }
}
