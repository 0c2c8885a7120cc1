package org.resnet4j.data;

import picocli.CommandLine.Option;

/** Training-time augmentation on top of the dataset's own (crop and flip for CIFAR). */
public record AugmentSettings(
        @Option(names = "--no-augment", negatable = true, defaultValue = "true",
                description = "the dataset's training augmentation (default on)") boolean augment,
        @Option(names = "--cutout", paramLabel = "N", defaultValue = "0",
                description = "Cutout square of N pixels (default off)") int cutout) {

    public AugmentSettings {
        if (cutout < 0) {
            throw new IllegalArgumentException("--cutout cannot be negative, got " + cutout);
        }
    }

    /** The augmentation for {@code data}. */
    public Augmentation of(DataConfig data) {
        return (augment ? data.augmentation() : Augmentation.NONE).withCutout(cutout);
    }
}
