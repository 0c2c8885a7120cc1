package org.resnet4j.model;

import java.util.List;

import org.bytedeco.pytorch.BatchNorm2dImpl;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** Pre-activation basic block (He et al. 2016): BN → ReLU → conv3×3 → BN → ReLU → conv3×3, plus the shortcut. */
public final class PreActBlock extends Block {
    public static final int EXPANSION = 1;

    private final BatchNorm2dImpl bn1;
    private final Conv conv1;
    private final BatchNorm2dImpl bn2;
    private final Conv conv2;

    PreActBlock(BlockArgs a) {
        super(a, EXPANSION);
        bn1 = register_module("bn1", Layers.batchNorm(a.inChannels()));
        conv1 = Conv.register(this, "conv1", Layers.conv3x3(a.inChannels(), a.planes(), a.stride()));
        bn2 = register_module("bn2", Layers.batchNorm(a.planes()));
        conv2 = Conv.register(this, "conv2", Layers.conv3x3(a.planes(), a.planes(), 1));
        attachShortcut(a, false);
    }

    @Override
    public Tensor forward(Tensor x) {
        Tensor pre = torch.relu_(bn1.forward(x));
        Tensor out = conv1.forward(pre);
        out = conv2.forward(torch.relu_(bn2.forward(out)));
        // A projection sees the pre-activated input, the identity the raw one (He et al. 2016, appendix).
        return merge(out, shortcut.isProjection() ? pre : x, false);
    }

    @Override
    Tensor lastBranchWeight() {
        return conv2.impl().weight();
    }

    @Override
    Shape describeBranch(String name, Shape in, List<LayerRow> rows, int depth) {
        Layers.describeNorm(name + ".bn1", bn1, in, rows, depth);
        Shape s = Layers.describeConv(name + ".conv1", conv1.impl(), in, rows, depth);
        Layers.describeNorm(name + ".bn2", bn2, s, rows, depth);
        return Layers.describeConv(name + ".conv2", conv2.impl(), s, rows, depth);
    }
}
