package org.resnet4j.data;

/**
 * Training-time augmentation, as the reference program's transforms: RandomCrop(size, padding, zero fill), then
 * RandomHorizontalFlip(0.5), then (after normalisation) an optional Cutout square of zeros.
 */
public record Augmentation(int cropPadding, boolean flip, int cutout) {
    public static final Augmentation NONE = new Augmentation(0, false, 0);
    /** RandomCrop(32, padding=4) + RandomHorizontalFlip(). */
    public static final Augmentation CIFAR = new Augmentation(4, true, 0);

    public Augmentation {
        if (cropPadding < 0 || cutout < 0) {
            throw new IllegalArgumentException("crop padding and cutout size cannot be negative");
        }
    }

    public boolean isNone() {
        return cropPadding == 0 && !flip && cutout == 0;
    }

    public Augmentation withCutout(int size) {
        return new Augmentation(cropPadding, flip, size);
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
        if (cutout > 0) {
            b.append(b.length() > 0 ? " + " : "").append("cutout ").append(cutout);
        }
        return b.toString();
    }
}
