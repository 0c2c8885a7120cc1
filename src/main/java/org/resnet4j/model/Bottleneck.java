package org.resnet4j.model;

import java.util.List;

import org.bytedeco.pytorch.BatchNorm2dImpl;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** conv1×1 → conv3×3 (carries the stride, as torchvision) → conv1×1 to 4× the width, each with BN. */
public final class Bottleneck extends Block {
    public static final int EXPANSION = 4;

    private final Conv2dImpl conv1;
    private final BatchNorm2dImpl bn1;
    private final Conv2dImpl conv2;
    private final BatchNorm2dImpl bn2;
    private final Conv2dImpl conv3;
    private final BatchNorm2dImpl bn3;

    Bottleneck(BlockArgs a) {
        super(a, EXPANSION);
        long width = a.planes();
        conv1 = register_module("conv1", Layers.conv1x1(a.inChannels(), width, 1));
        bn1 = register_module("bn1", Layers.batchNorm(width));
        conv2 = register_module("conv2", Layers.conv3x3(width, width, a.stride()));
        bn2 = register_module("bn2", Layers.batchNorm(width));
        conv3 = register_module("conv3", Layers.conv1x1(width, width * EXPANSION, 1));
        bn3 = register_module("bn3", Layers.batchNorm(width * EXPANSION));
        attachShortcut(a, true);
    }

    @Override
    public Tensor forward(Tensor x) {
        Tensor out = torch.relu_(bn1.forward(conv1.forward(x)));
        out = torch.relu_(bn2.forward(conv2.forward(out)));
        out = bn3.forward(conv3.forward(out));
        return merge(out, x, true);
    }

    @Override
    Tensor lastBranchWeight() {
        return bn3.weight();
    }

    @Override
    Shape describeBranch(String name, Shape in, List<LayerRow> rows, int depth) {
        Shape s = Layers.describeConv(name + ".conv1", conv1, in, rows, depth);
        Layers.describeNorm(name + ".bn1", bn1, s, rows, depth);
        s = Layers.describeConv(name + ".conv2", conv2, s, rows, depth);
        Layers.describeNorm(name + ".bn2", bn2, s, rows, depth);
        s = Layers.describeConv(name + ".conv3", conv3, s, rows, depth);
        Layers.describeNorm(name + ".bn3", bn3, s, rows, depth);
        return s;
    }
}
