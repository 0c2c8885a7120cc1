package org.resnet4j.model;

import org.resnet4j.engine.Engine;

/**
 * Builds models. This is the entry point rather than a factory on {@link ResNet} itself: touching any libtorch
 * module class loads the native libraries, and the engine must prepare them first (see {@link Engine}).
 */
public final class ResNets {
    private ResNets() {
    }

    /** A freshly initialised model; seed libtorch first ({@link Engine#seed}) for a reproducible one. */
    public static ResNet create(ModelOptions options) {
        Engine.start();
        ResNet net = new ResNet(options);
        Initializer.apply(net, options.init(), options.zeroInitResidual());
        return net;
    }

    /** The variant {@code name} with its default options, for example {@code create("resnet18")}. */
    public static ResNet create(String name) {
        return create(ModelOptions.of(name));
    }
}
