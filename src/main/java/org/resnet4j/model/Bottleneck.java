package org.resnet4j.model;

import java.util.List;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** conv1×1 → conv3×3 (carries the stride, as torchvision) → conv1×1 to 4× the width, each with BN. */
public final class Bottleneck extends Block {
    public static final int EXPANSION = 4;

    private final ConvNorm reduce;
    private final ConvNorm spatial;
    private final ConvNorm expand;

    Bottleneck(BlockArgs a) {
        super(a, EXPANSION);
        long width = a.planes();
        reduce = new ConvNorm(this, "conv1", Layers.conv1x1(a.inChannels(), width, 1), "bn1", Layers.batchNorm(width));
        spatial = new ConvNorm(this, "conv2", Layers.conv3x3(width, width, a.stride()), "bn2", Layers.batchNorm(width));
        expand = new ConvNorm(this, "conv3", Layers.conv1x1(width, width * EXPANSION, 1), "bn3",
                Layers.batchNorm(width * EXPANSION));
        attachShortcut(a, true);
    }

    @Override
    public Tensor forward(Tensor x) {
        Tensor out = torch.relu_(reduce.forward(x));
        out = torch.relu_(spatial.forward(out));
        return merge(expand.forward(out), x, true);
    }

    @Override
    Tensor lastBranchWeight() {
        return expand.norm().weight();
    }

    @Override
    void foldNorms() {
        reduce.fold();
        spatial.fold();
        expand.fold();
        shortcut.foldNorm();
    }

    @Override
    Shape describeBranch(String name, Shape in, List<LayerRow> rows, int depth) {
        Shape s = reduce.describe(name, in, rows, depth);
        return expand.describe(name, spatial.describe(name, s, rows, depth), rows, depth);
    }
}
