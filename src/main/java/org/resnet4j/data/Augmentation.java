package org.resnet4j.data;

import org.resnet4j.data.transform.RandomErasing;
import org.resnet4j.data.transform.TrivialAugmentWide;

/**
 * Training-time augmentation of images held at their final size, as the reference program's transforms:
 * RandomCrop(size, padding, zero fill), then RandomHorizontalFlip(0.5), optionally TrivialAugmentWide (on the 8-bit
 * image, as torchvision's recipes apply it to a PIL image), then after normalisation an optional Cutout square of
 * zeros and an optional RandomErasing.
 *
 * @param autoAugment TrivialAugmentWide, or null for none
 * @param erasing     RandomErasing, or null for none
 */
public record Augmentation(int cropPadding, boolean flip, int cutout, TrivialAugmentWide autoAugment,
        RandomErasing erasing) {
    public static final Augmentation NONE = new Augmentation(0, false, 0);
    /** RandomCrop(32, padding=4) + RandomHorizontalFlip(). */
    public static final Augmentation CIFAR = new Augmentation(4, true, 0);

    public Augmentation {
        if (cropPadding < 0 || cutout < 0) {
            throw new IllegalArgumentException("crop padding and cutout size cannot be negative");
        }
    }

    public Augmentation(int cropPadding, boolean flip, int cutout) {
        this(cropPadding, flip, cutout, null, null);
    }

    public boolean isNone() {
        return cropPadding == 0 && !flip && cutout == 0 && autoAugment == null && erasing == null;
    }

    public Augmentation withCutout(int size) {
        return new Augmentation(cropPadding, flip, size, autoAugment, erasing);
    }

    public Augmentation withAutoAugment(TrivialAugmentWide a) {
        return new Augmentation(cropPadding, flip, cutout, a, erasing);
    }

    public Augmentation withErasing(RandomErasing e) {
        return new Augmentation(cropPadding, flip, cutout, autoAugment, e);
    }

    @Override
    public String toString() {
        if (isNone()) {
            return "none";
        }
        StringBuilder b = new StringBuilder();
        if (cropPadding > 0) {
            b.append("random crop (padding ").append(cropPadding).append(")");
        }
        if (flip) {
            b.append(b.length() > 0 ? " + " : "").append("horizontal flip");
        }
        if (autoAugment != null) {
            b.append(b.length() > 0 ? " + " : "").append(autoAugment);
        }
        if (cutout > 0) {
            b.append(b.length() > 0 ? " + " : "").append("cutout ").append(cutout);
        }
        if (erasing != null) {
            b.append(b.length() > 0 ? " + " : "").append("RandomErasing(").append(erasing.p()).append(")");
        }
        return b.toString();
    }
}
