package org.resnet4j.model;

/**
 * Everything needed to build a model: the variant's name and the per-run options on top of it.
 * Start from {@link #of(String)}, which takes the variant's defaults, and adjust with the {@code with} methods.
 */
public record ModelOptions(String name, int inChannels, int numClasses, Shortcut shortcut, boolean zeroInitResidual,
        InitScheme init) {

    /** Bounds that keep a model buildable: a classifier of a million classes, inputs of a thousand channels. */
    public static final int MAX_CLASSES = 1 << 20;
    public static final int MAX_IN_CHANNELS = 1024;

    public ModelOptions {
        Variants.get(name);
        if (inChannels < 1 || inChannels > MAX_IN_CHANNELS) {
            throw new IllegalArgumentException("input channels must be in 1.." + MAX_IN_CHANNELS + ", got "
                    + inChannels);
        }
        if (numClasses < 1 || numClasses > MAX_CLASSES) {
            throw new IllegalArgumentException("number of classes must be in 1.." + MAX_CLASSES + ", got "
                    + numClasses);
        }
        if (zeroInitResidual && shortcut == Shortcut.NONE) {
            throw new IllegalArgumentException("zero-init of the residual branch would zero every block of a plain"
                    + " net: it needs shortcuts");
        }
    }

    /** The variant's defaults: its input channels, class count, shortcut option and initialisation. */
    public static ModelOptions of(String name) {
        Architecture a = Variants.get(name);
        return new ModelOptions(a.name(), (int) a.defaultInput().channels(), a.defaultClasses(), a.shortcut(), false,
                a.init());
    }

    public Architecture architecture() {
        return Variants.get(name);
    }

    public ModelOptions withInChannels(int channels) {
        return new ModelOptions(name, channels, numClasses, shortcut, zeroInitResidual, init);
    }

    public ModelOptions withClasses(int classes) {
        return new ModelOptions(name, inChannels, classes, shortcut, zeroInitResidual, init);
    }

    public ModelOptions withShortcut(Shortcut option) {
        return new ModelOptions(name, inChannels, numClasses, option, zeroInitResidual, init);
    }

    public ModelOptions withZeroInitResidual(boolean zero) {
        return new ModelOptions(name, inChannels, numClasses, shortcut, zero, init);
    }

    public ModelOptions withInit(InitScheme scheme) {
        return new ModelOptions(name, inChannels, numClasses, shortcut, zeroInitResidual, scheme);
    }
}
