package org.resnet4j.model;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.DeviceType;
import org.bytedeco.pytorch.global.torch.MemoryFormat;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.resnet4j.engine.FusedConvolution;
import org.resnet4j.engine.Kernels;
import org.resnet4j.engine.Scopes;

/**
 * A folded ResNet's eval-mode body as oneDNN runs it fastest: every convolution with its (folded) BatchNorm as bias
 * and the ReLU after it as a post-op, the second (bottleneck: third) convolution of each block adding the shortcut and
 * applying the block's ReLU as post-ops too, weights prepacked once in oneDNN's blocked layout, activations
 * channels-last throughout. What torch.compile's freezing path builds from the same model, without a compiler.
 *
 * <p>Post-activation nets only: a pre-activation net's BatchNorm follows no convolution, so nothing folds into one.
 * Weights are packed on the first pass in each precision (float32, or bfloat16 under bf16 autocast), for the spatial
 * size that pass sees.
 */
final class FusedForward {
    private final List<UnaryOperator<Tensor>> stem;
    private final List<List<UnaryOperator<Tensor>>> transitions = new ArrayList<>();
    private final List<List<FusedBlock>> stages = new ArrayList<>();

    private FusedForward(List<Step> stem, List<List<Step>> transitions, List<List<Block>> stages) {
        this.stem = compile(stem);
        transitions.forEach(t -> this.transitions.add(compile(t)));
        for (List<Block> stage : stages) {
            this.stages.add(stage.stream().map(FusedBlock::new).toList());
        }
    }

    /**
     * Whether a net of this architecture can run fused here: post-activation blocks, a libtorch with oneDNN, and
     * oneDNN planning its kernels for real cache sizes (otherwise its 1×1 kernels are not to be trusted: {@link
     * Kernels}).
     */
    static boolean supports(Architecture a) {
        return !a.block().preActivation() && Kernels.oneDnnPlansSafely() && FusedConvolution.available();
    }

    static FusedForward of(List<Step> stem, List<List<Step>> transitions, List<List<Block>> stages, List<Step> head) {
        if (!head.isEmpty()) {
            throw new IllegalArgumentException("pre-activation nets do not fuse: their BatchNorm follows no convolution");
        }
        return new FusedForward(stem, transitions, stages);
    }

    /** The last stage's feature map, channels-last, in the precision the caller's autocast asks for. */
    Tensor body(Tensor x) {
        ScalarType dtype = torch.is_autocast_enabled(DeviceType.CPU)
                && isBf16(torch.get_autocast_dtype(DeviceType.CPU)) ? ScalarType.BFloat16
                : x.scalar_type();
        Tensor in = x.to(dtype).contiguous(MemoryFormat.ChannelsLast);
        Tensor out = Scopes.keepingOnlyResult(() -> run(stem, in));
        for (int s = 0; s < stages.size(); s++) {
            List<UnaryOperator<Tensor>> t = transitions.get(s);
            if (!t.isEmpty()) {
                Tensor before = out;
                out = next(before, Scopes.keepingOnlyResult(() -> run(t, before)));
            }
            for (FusedBlock b : stages.get(s)) {
                Tensor before = out;
                out = next(before, Scopes.keepingOnlyResult(() -> b.forward(before)));
            }
        }
        return out;
    }

    /** JavaCPP hands out fresh enum objects for native values: compare the values. */
    private static boolean isBf16(ScalarType t) {
        return t.value == ScalarType.BFloat16.value;
    }

    private static Tensor next(Tensor consumed, Tensor produced) {
        if (produced != consumed) {
            Scopes.release(consumed);
        }
        return produced;
    }

    private static Tensor run(List<UnaryOperator<Tensor>> ops, Tensor x) {
        Tensor out = x;
        for (UnaryOperator<Tensor> op : ops) {
            out = op.apply(out);
        }
        return out;
    }

    /** Folded convolutions with the ReLU after each fused in, max-pooling as it is. */
    private static List<UnaryOperator<Tensor>> compile(List<Step> steps) {
        List<UnaryOperator<Tensor>> ops = new ArrayList<>();
        for (int i = 0; i < steps.size(); i++) {
            Step s = steps.get(i);
            if (s instanceof ConvNorm || s instanceof Step.Convolution) {
                boolean relu = i + 1 < steps.size() && steps.get(i + 1) instanceof Step.Relu;
                PackedConv c = new PackedConv(s);
                ops.add(x -> c.forward(x, relu));
                i += relu ? 1 : 0;
            } else if (s instanceof Step.MaxPool || s instanceof Step.Relu) {
                ops.add(s::forward);
            } else {
                throw new IllegalArgumentException(s + " does not fuse");
            }
        }
        return List.copyOf(ops);
    }

    /** relu(F(x) + shortcut(x)), the add and ReLU fused into F's last convolution. */
    private static final class FusedBlock {
        private final List<UnaryOperator<Tensor>> head;
        private final PackedConv last;
        private final ShortcutPath shortcut;
        private final PackedConv projection;

        FusedBlock(Block b) {
            if (!b.preActivationSteps().isEmpty() || b.type().preActivation()) {
                throw new IllegalArgumentException("pre-activation blocks do not fuse");
            }
            List<Step> branch = b.branchSteps();
            head = compile(branch.subList(0, branch.size() - 1));
            last = new PackedConv(branch.get(branch.size() - 1));
            shortcut = b.shortcut();
            projection = shortcut instanceof ShortcutPath.Projection p ? new PackedConv(p.layer()) : null;
        }

        Tensor forward(Tensor x) {
            Tensor y = run(head, x);
            if (shortcut instanceof ShortcutPath.None) {
                return last.forward(y, true);
            }
            Tensor residual;
            if (projection != null) {
                residual = projection.forward(x, false);
            } else if (shortcut instanceof ShortcutPath.ZeroPad z) {
                residual = z.of(x).contiguous(MemoryFormat.ChannelsLast);
            } else {
                residual = x; // the identity: the block's input, which nothing reads after the block
            }
            return last.addReluInto(residual, y);
        }
    }

    /** A folded convolution, prepacked on first use in each precision. */
    private static final class PackedConv {
        private final Conv conv;
        private FusedConvolution fp32;
        private FusedConvolution bf16;

        PackedConv(Step s) {
            if (s instanceof ConvNorm cn) {
                if (!cn.isFolded()) {
                    throw new IllegalStateException("fold BatchNorm before fusing");
                }
                conv = cn.conv();
            } else if (s instanceof Step.Convolution c) {
                conv = c.conv();
            } else {
                throw new IllegalArgumentException(s + " is not a convolution");
            }
        }

        Tensor forward(Tensor x, boolean relu) {
            return packed(x).forward(x, relu);
        }

        Tensor addReluInto(Tensor residual, Tensor x) {
            return packed(x).addReluInto(residual, x);
        }

        private synchronized FusedConvolution packed(Tensor x) {
            boolean half = isBf16(x.scalar_type());
            FusedConvolution p = half ? bf16 : fp32;
            if (p == null) {
                long padding = conv.impl().options().padding().get0().get(0);
                p = FusedConvolution.prepack(conv.impl().weight(), conv.impl().bias(), conv.stride(), (int) padding,
                        x.scalar_type(), org.resnet4j.engine.Tensors.shape(x));
                if (half) {
                    bf16 = p;
                } else {
                    fp32 = p;
                }
            }
            return p;
        }
    }
}
