package org.resnet4j.model;

import java.util.List;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** conv3×3 → BN → ReLU → conv3×3 → BN, plus the shortcut, then ReLU (the reference program's block). */
public final class BasicBlock extends Block {
    public static final int EXPANSION = 1;

    private final ConvNorm first;
    private final ConvNorm second;

    BasicBlock(BlockArgs a) {
        super(a, EXPANSION);
        first = new ConvNorm(this, "conv1", Layers.conv3x3(a.inChannels(), a.planes(), a.stride()), "bn1",
                Layers.batchNorm(a.planes()));
        second = new ConvNorm(this, "conv2", Layers.conv3x3(a.planes(), a.planes(), 1), "bn2",
                Layers.batchNorm(a.planes()));
        attachShortcut(a, true);
    }

    @Override
    public Tensor forward(Tensor x) {
        Tensor out = torch.relu_(first.forward(x));
        return merge(second.forward(out), x, true);
    }

    @Override
    Tensor lastBranchWeight() {
        return second.norm().weight();
    }

    @Override
    void foldNorms() {
        first.fold();
        second.fold();
        shortcut.foldNorm();
    }

    @Override
    Shape describeBranch(String name, Shape in, List<LayerRow> rows, int depth) {
        return second.describe(name, first.describe(name, in, rows, depth), rows, depth);
    }
}
