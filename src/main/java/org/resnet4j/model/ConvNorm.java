package org.resnet4j.model;

import java.util.List;

import org.bytedeco.pytorch.BatchNorm2dImpl;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * A convolution followed by BatchNorm, registered on its owner under their own names. For inference the BN can be
 * folded into the convolution ({@link #fold()}): one kernel instead of two, the same outputs.
 */
final class ConvNorm implements Step {
    private final Conv conv;
    private final BatchNorm2dImpl norm;
    private final String convName;
    private final String normName;
    private boolean folded;

    ConvNorm(Module owner, String convName, Conv2dImpl conv, String normName, BatchNorm2dImpl norm) {
        this.conv = Conv.register(owner, convName, conv);
        this.norm = owner.register_module(normName, norm);
        this.convName = convName;
        this.normName = normName;
    }

    @Override
    public Tensor forward(Tensor x) {
        Tensor y = conv.forward(x);
        return folded ? y : norm.forward(y);
    }

    /**
     * Folds the BN's eval-mode affine map into the convolution: W' = W·γ/√(σ²+ε), b' = β − μ·γ/√(σ²+ε). Afterwards
     * the pair computes the eval-mode output only; training it would be wrong.
     */
    @Override
    public void fold() {
        if (folded) {
            return;
        }
        double eps = norm.options().eps().get();
        Tensor scale = norm.weight().div(norm.running_var().add(new Scalar(eps)).sqrt());
        Tensor w = conv.impl().weight();
        w.mul_(scale.reshape(-1, 1, 1, 1));
        conv.impl().bias(norm.bias().sub(norm.running_mean().mul(scale)));
        folded = true;
    }

    Conv conv() {
        return conv;
    }

    boolean isFolded() {
        return folded;
    }

    @Override
    public Tensor silencingWeight() {
        return norm.weight();
    }

    @Override
    public Shape describe(String prefix, Shape in, List<LayerRow> rows, int depth) {
        Shape out = Layers.describeConv(Layers.join(prefix, convName), conv.impl(), in, rows, depth);
        Layers.describeNorm(Layers.join(prefix, normName), norm, out, rows, depth);
        return out;
    }
}
