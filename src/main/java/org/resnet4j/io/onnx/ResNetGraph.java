package org.resnet4j.io.onnx;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import ai.onnx.proto.OnnxMl.GraphProto;

import org.bytedeco.pytorch.Tensor;
import org.resnet4j.data.Normalization;
import org.resnet4j.engine.Tensors;
import org.resnet4j.model.Architecture;
import org.resnet4j.model.BlockType;
import org.resnet4j.model.ModelOptions;
import org.resnet4j.model.Shape;
import org.resnet4j.model.Shortcut;
import org.resnet4j.model.Stem;

/**
 * The ONNX graph of a variant, laid out from its row in the variant table and filled from its state dict by
 * PyTorch's key names: the same walk as the PyTorch equivalents in tools/reference_models.py.
 */
final class ResNetGraph {
    /** PyTorch's BatchNorm2d default, which every resnet4j BatchNorm keeps; a state dict does not record it. */
    static final float BN_EPS = 1e-5f;
    static final String INPUT = "input";
    static final String OUTPUT = "logits";

    private final GraphBuilder g;
    private final ModelOptions options;
    private final Architecture arch;
    private final Map<String, Tensor> state;
    private final boolean fold;
    private final Set<String> used = new HashSet<>();

    private ResNetGraph(GraphBuilder g, ModelOptions options, Map<String, Tensor> state, boolean fold) {
        this.g = g;
        this.options = options;
        this.arch = options.architecture();
        this.state = state;
        this.fold = fold;
    }

    /**
     * The graph from {@code input} (float32 [batch, C, H, W], normalised unless {@code normalization} puts
     * {@code (x - mean) / std} at its front) to {@code logits} ([batch, classes]).
     *
     * @throws IllegalArgumentException when the state dict lacks a tensor the variant needs or holds one it does not
     */
    static GraphProto build(ModelOptions options, Map<String, Tensor> state, boolean foldBatchNorm,
            Normalization normalization, Shape input, String docString) {
        if (input.channels() != options.inChannels()) {
            throw new IllegalArgumentException(options.name() + " takes " + options.inChannels()
                    + "-channel input, not " + input.channels());
        }
        GraphBuilder g = new GraphBuilder(options.name(), docString);
        g.input(INPUT, input.channels(), input.height(), input.width());
        ResNetGraph r = new ResNetGraph(g, options, state, foldBatchNorm);
        String x = normalization == null ? INPUT : r.normalize(INPUT, normalization);
        x = r.head(r.stages(r.stem(x)));
        g.output(OUTPUT, options.numClasses());
        r.checkAllUsed();
        return g.build();
    }

    private String normalize(String x, Normalization n) {
        int c = n.channels();
        if (c != options.inChannels()) {
            throw new IllegalArgumentException("the normalisation has " + c + " channels but " + options.name()
                    + " takes " + options.inChannels());
        }
        String mean = g.initializer("normalize.mean", n.mean(), 1, c, 1, 1);
        String std = g.initializer("normalize.std", n.std(), 1, c, 1, 1);
        return g.div("normalize", g.sub("normalize.sub", x, mean), std);
    }

    private String stem(String x) {
        int stride = arch.stem() == Stem.IMAGENET ? 2 : 1;
        // Pre-activation nets normalise at the start of each block instead.
        String out = arch.block().preActivation() ? conv(x, "conv1", stride) : relu(convBn(x, "conv1", "bn1", stride));
        return arch.stem() == Stem.IMAGENET ? g.maxPool("maxpool", out, 3, 2, 1) : out;
    }

    private String stages(String x) {
        long in = arch.stemWidth();
        int[] sizes = arch.stageSizes();
        int[] widths = arch.widths();
        for (int s = 0; s < sizes.length; s++) {
            String layer = "layer" + (s + 1);
            if (arch.transitions()) {
                String t = layer + ".transition";
                x = g.maxPool(t + ".pool", relu(convBn(x, t + ".conv", t + ".bn", 1)), 2, 2, 0);
                in = widths[s];
            }
            for (int i = 0; i < sizes[s]; i++) {
                int stride = i == 0 && s > 0 && !arch.transitions() ? 2 : 1;
                long out = (long) widths[s] * arch.block().expansion();
                x = block(layer + "." + i, x, in, widths[s], out, stride);
                in = out;
            }
        }
        return x;
    }

    private String block(String name, String x, long in, long planes, long out, int stride) {
        String p = name + ".";
        BlockType type = arch.block();
        switch (type) {
            case BASIC: {
                String y = relu(convBn(x, p + "conv1", p + "bn1", stride));
                y = convBn(y, p + "conv2", p + "bn2", 1);
                return g.relu(name, merge(name, y, x, x, in, out, stride, true));
            }
            case BOTTLENECK: {
                String y = relu(convBn(x, p + "conv1", p + "bn1", 1));
                y = relu(convBn(y, p + "conv2", p + "bn2", stride));
                y = convBn(y, p + "conv3", p + "bn3", 1);
                return g.relu(name, merge(name, y, x, x, in, out, stride, true));
            }
            case PREACT_BASIC: {
                String pre = relu(batchNorm(x, p + "bn1"));
                // conv1 → bn2 is a convolution followed by its BN, so it folds like any other
                String y = relu(convBn(pre, p + "conv1", p + "bn2", stride));
                y = conv(y, p + "conv2", 1);
                return merge(name, y, x, pre, in, out, stride, false);
            }
            case PREACT_BOTTLENECK: {
                String pre = relu(batchNorm(x, p + "bn1"));
                String y = relu(convBn(pre, p + "conv1", p + "bn2", 1));
                y = relu(convBn(y, p + "conv2", p + "bn3", stride));
                y = conv(y, p + "conv3", 1);
                return merge(name, y, x, pre, in, out, stride, false);
            }
            default:
                throw new IllegalStateException("no ONNX layout for " + type);
        }
    }

    /**
     * Adds the shortcut to the branch: identity, option A's subsample and zero channels (half in front, half behind),
     * or a 1×1 projection (+ BN in post-activation blocks) of the block input, which for pre-activation blocks is
     * the pre-activated one (He et al. 2016, appendix).
     */
    private String merge(String name, String branch, String x, String pre, long in, long out, int stride,
            boolean projectionNorm) {
        Shortcut kind = options.shortcut();
        if (kind == Shortcut.NONE) {
            return branch;
        }
        String sum = arch.block().preActivation() ? name : name + ".add";
        if (stride == 1 && in == out) {
            return g.add(sum, branch, x);
        }
        String sc = name + "." + arch.shortcutName();
        String shortcut;
        if (kind == Shortcut.A) {
            if (out < in) {
                throw new IllegalArgumentException("option A cannot shrink channels (" + in + " -> " + out + ")");
            }
            String sub = stride == 1 ? x : g.subsample(sc + ".subsample", x, stride);
            long extra = out - in;
            shortcut = g.padChannels(sc, sub, extra / 2, extra - extra / 2);
        } else {
            String input = arch.block().preActivation() ? pre : x;
            shortcut = projectionNorm ? convBn(input, sc + ".0", sc + ".1", stride) : conv(input, sc + ".0", stride);
        }
        return g.add(sum, branch, shortcut);
    }

    private String head(String x) {
        if (arch.block().preActivation()) {
            x = relu(batchNorm(x, "post_bn"));
        }
        String pooled = g.flatten("flatten", g.globalAveragePool("avgpool", x));
        Tensor w = tensor("fc.weight");
        float[] b = floats("fc.bias");
        return g.gemm("fc", pooled, g.initializer("fc.weight", Tensors.toFloats(w), Tensors.shape(w)),
                g.initializer("fc.bias", b, b.length), OUTPUT);
    }

    private String relu(String x) {
        return g.relu(x + ".relu", x);
    }

    /** A bias-free convolution as it is in the state dict. */
    private String conv(String x, String key, int stride) {
        Tensor w = tensor(key + ".weight");
        long[] shape = Tensors.shape(w);
        return g.conv(key, x, g.initializer(key + ".weight", Tensors.toFloats(w), shape), null, shape[2], stride);
    }

    /**
     * A convolution and the BatchNorm that follows it: two nodes, or with folding one convolution with
     * W' = W·γ/√(σ²+ε) and bias β − μ·γ/√(σ²+ε), computed in double precision.
     */
    private String convBn(String x, String convKey, String bnKey, int stride) {
        if (!fold) {
            return batchNorm(conv(x, convKey, stride), bnKey);
        }
        Tensor wt = tensor(convKey + ".weight");
        long[] shape = Tensors.shape(wt);
        float[] w = Tensors.toFloats(wt);
        float[] gamma = floats(bnKey + ".weight");
        float[] beta = floats(bnKey + ".bias");
        float[] mean = floats(bnKey + ".running_mean");
        float[] var = floats(bnKey + ".running_var");
        markUsed(bnKey + ".num_batches_tracked");
        int outChannels = (int) shape[0];
        int per = w.length / outChannels;
        float[] bias = new float[outChannels];
        for (int c = 0; c < outChannels; c++) {
            double scale = gamma[c] / Math.sqrt((double) var[c] + BN_EPS);
            for (int i = c * per; i < (c + 1) * per; i++) {
                w[i] = (float) (w[i] * scale);
            }
            bias[c] = (float) (beta[c] - mean[c] * scale);
        }
        return g.conv(convKey, x, g.initializer(convKey + ".weight", w, shape),
                g.initializer(convKey + ".bias", bias, outChannels), shape[2], stride);
    }

    private String batchNorm(String x, String key) {
        String[] inputs = new String[4];
        String[] leaves = {"weight", "bias", "running_mean", "running_var"};
        for (int i = 0; i < 4; i++) {
            float[] v = floats(key + "." + leaves[i]);
            inputs[i] = g.initializer(key + "." + leaves[i], v, v.length);
        }
        markUsed(key + ".num_batches_tracked");
        return g.batchNorm(key, x, inputs[0], inputs[1], inputs[2], inputs[3], BN_EPS);
    }

    private float[] floats(String key) {
        return Tensors.toFloats(tensor(key));
    }

    private Tensor tensor(String key) {
        Tensor t = state.get(key);
        if (t == null) {
            throw new IllegalArgumentException("the " + options.name() + " state dict has no " + key);
        }
        used.add(key);
        return t;
    }

    private void markUsed(String key) {
        if (state.containsKey(key)) {
            used.add(key);
        }
    }

    private void checkAllUsed() {
        Set<String> left = new TreeSet<>(state.keySet());
        left.removeAll(used);
        if (!left.isEmpty()) {
            throw new IllegalArgumentException("the state dict holds tensors that " + options.name() + " with shortcut "
                    + options.shortcut() + " has no place for: " + String.join(", ", Arrays.asList(
                            left.toArray(new String[0])).subList(0, Math.min(5, left.size())))
                    + (left.size() > 5 ? " and " + (left.size() - 5) + " more" : ""));
        }
    }
}
