package org.resnet4j.model;

import java.util.List;

import org.bytedeco.pytorch.BatchNorm2dImpl;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** Pre-activation bottleneck (He et al. 2016): three BN → ReLU → conv steps, 1×1, 3×3 (strided), 1×1 to 4×. */
public final class PreActBottleneck extends Block {
    public static final int EXPANSION = 4;

    private final BatchNorm2dImpl bn1;
    private final Conv conv1;
    private final BatchNorm2dImpl bn2;
    private final Conv conv2;
    private final BatchNorm2dImpl bn3;
    private final Conv conv3;

    PreActBottleneck(BlockArgs a) {
        super(a, EXPANSION);
        long width = a.planes();
        bn1 = register_module("bn1", Layers.batchNorm(a.inChannels()));
        conv1 = Conv.register(this, "conv1", Layers.conv1x1(a.inChannels(), width, 1));
        bn2 = register_module("bn2", Layers.batchNorm(width));
        conv2 = Conv.register(this, "conv2", Layers.conv3x3(width, width, a.stride()));
        bn3 = register_module("bn3", Layers.batchNorm(width));
        conv3 = Conv.register(this, "conv3", Layers.conv1x1(width, width * EXPANSION, 1));
        attachShortcut(a, false);
    }

    @Override
    public Tensor forward(Tensor x) {
        Tensor pre = torch.relu_(bn1.forward(x));
        Tensor out = conv1.forward(pre);
        out = conv2.forward(torch.relu_(bn2.forward(out)));
        out = conv3.forward(torch.relu_(bn3.forward(out)));
        return merge(out, shortcut.isProjection() ? pre : x, false);
    }

    @Override
    Tensor lastBranchWeight() {
        return conv3.impl().weight();
    }

    @Override
    Shape describeBranch(String name, Shape in, List<LayerRow> rows, int depth) {
        Layers.describeNorm(name + ".bn1", bn1, in, rows, depth);
        Shape s = Layers.describeConv(name + ".conv1", conv1.impl(), in, rows, depth);
        Layers.describeNorm(name + ".bn2", bn2, s, rows, depth);
        s = Layers.describeConv(name + ".conv2", conv2.impl(), s, rows, depth);
        Layers.describeNorm(name + ".bn3", bn3, s, rows, depth);
        return Layers.describeConv(name + ".conv3", conv3.impl(), s, rows, depth);
    }
}
