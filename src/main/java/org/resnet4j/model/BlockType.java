package org.resnet4j.model;

import java.util.function.Function;

/** The block kinds a variant can be built from, with their channel expansion. */
public enum BlockType {
    BASIC(BasicBlock.EXPANSION, false, BasicBlock::new),
    BOTTLENECK(Bottleneck.EXPANSION, false, Bottleneck::new),
    PREACT_BASIC(PreActBlock.EXPANSION, true, PreActBlock::new),
    PREACT_BOTTLENECK(PreActBottleneck.EXPANSION, true, PreActBottleneck::new);

    private final int expansion;
    private final boolean preActivation;
    private final Function<BlockArgs, Block> factory;

    BlockType(int expansion, boolean preActivation, Function<BlockArgs, Block> factory) {
        this.expansion = expansion;
        this.preActivation = preActivation;
        this.factory = factory;
    }

    public int expansion() {
        return expansion;
    }

    public boolean preActivation() {
        return preActivation;
    }

    Block create(BlockArgs args) {
        return factory.apply(args);
    }
}
