package org.resnet4j.model;

import static org.resnet4j.model.Layers.conv1x1;
import static org.resnet4j.model.Layers.conv3x3;

/**
 * The block kinds a variant can be built from: their layers, as torchvision and He et al. 2016 lay them out, and their
 * channel expansion. Bottlenecks carry the stride on the 3×3, as torchvision does.
 */
public enum BlockType {
    /** conv3×3 → BN → ReLU → conv3×3 → BN, plus the shortcut, then ReLU (the reference program's block). */
    BASIC("BasicBlock", 1, false) {
        @Override
        void layers(Block.Builder b, long in, long planes, int stride) {
            b.convNorm(1, conv3x3(in, planes, stride)).relu().convNorm(2, conv3x3(planes, planes, 1));
        }
    },
    /** conv1×1 → conv3×3 → conv1×1 to 4× the width, each with BN, ReLU between, then the add and ReLU. */
    BOTTLENECK("Bottleneck", 4, false) {
        @Override
        void layers(Block.Builder b, long in, long planes, int stride) {
            b.convNorm(1, conv1x1(in, planes, 1)).relu().convNorm(2, conv3x3(planes, planes, stride)).relu()
                    .convNorm(3, conv1x1(planes, planes * 4, 1));
        }
    },
    /** BN → ReLU → conv3×3 → BN → ReLU → conv3×3, plus the shortcut (He et al. 2016). */
    PREACT_BASIC("PreActBlock", 1, true) {
        @Override
        void layers(Block.Builder b, long in, long planes, int stride) {
            b.norm(1, in).relu().preActivation().conv(1, conv3x3(in, planes, stride)).norm(2, planes).relu()
                    .conv(2, conv3x3(planes, planes, 1));
        }
    },
    /** Three BN → ReLU → conv steps, 1×1, 3×3 (strided), 1×1 to 4× (He et al. 2016). */
    PREACT_BOTTLENECK("PreActBottleneck", 4, true) {
        @Override
        void layers(Block.Builder b, long in, long planes, int stride) {
            b.norm(1, in).relu().preActivation().conv(1, conv1x1(in, planes, 1)).norm(2, planes).relu()
                    .conv(2, conv3x3(planes, planes, stride)).norm(3, planes).relu().conv(3, conv1x1(planes,
                            planes * 4, 1));
        }
    };

    private final String displayName;
    private final int expansion;
    private final boolean preActivation;

    BlockType(String displayName, int expansion, boolean preActivation) {
        this.displayName = displayName;
        this.expansion = expansion;
        this.preActivation = preActivation;
    }

    /** Registers the residual branch's layers on {@code b}, for {@code in} channels to {@code planes}. */
    abstract void layers(Block.Builder b, long in, long planes, int stride);

    /** The name of PyTorch's class for this block, shown in summaries. */
    public String displayName() {
        return displayName;
    }

    public int expansion() {
        return expansion;
    }

    public boolean preActivation() {
        return preActivation;
    }

    Block create(BlockArgs args) {
        return new Block(this, args);
    }
}
