package org.resnet4j.model;

import java.util.List;

import org.bytedeco.pytorch.BatchNorm2dImpl;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** conv3×3 → BN → ReLU → conv3×3 → BN, plus the shortcut, then ReLU (the reference program's block). */
public final class BasicBlock extends Block {
    public static final int EXPANSION = 1;

    private final Conv2dImpl conv1;
    private final BatchNorm2dImpl bn1;
    private final Conv2dImpl conv2;
    private final BatchNorm2dImpl bn2;

    BasicBlock(BlockArgs a) {
        super(a, EXPANSION);
        conv1 = register_module("conv1", Layers.conv3x3(a.inChannels(), a.planes(), a.stride()));
        bn1 = register_module("bn1", Layers.batchNorm(a.planes()));
        conv2 = register_module("conv2", Layers.conv3x3(a.planes(), a.planes(), 1));
        bn2 = register_module("bn2", Layers.batchNorm(a.planes()));
        attachShortcut(a, true);
    }

    @Override
    public Tensor forward(Tensor x) {
        Tensor out = torch.relu_(bn1.forward(conv1.forward(x)));
        out = bn2.forward(conv2.forward(out));
        return merge(out, x, true);
    }

    @Override
    Tensor lastBranchWeight() {
        return bn2.weight();
    }

    @Override
    Shape describeBranch(String name, Shape in, List<LayerRow> rows, int depth) {
        Shape s = Layers.describeConv(name + ".conv1", conv1, in, rows, depth);
        Layers.describeNorm(name + ".bn1", bn1, s, rows, depth);
        s = Layers.describeConv(name + ".conv2", conv2, s, rows, depth);
        Layers.describeNorm(name + ".bn2", bn2, s, rows, depth);
        return s;
    }
}
