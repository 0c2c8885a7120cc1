package org.resnet4j.data.transform;

import java.util.Locale;
import java.util.SplittableRandom;

import org.resnet4j.data.image.PilOps;
import org.resnet4j.data.image.RgbImage;

/**
 * torchvision's {@code ColorJitter(brightness, contrast, saturation, hue)}: factors drawn uniformly from
 * [max(0, 1 - v), 1 + v] (hue from [-h, h]) and applied in a random order, with Pillow's arithmetic.
 */
public record ColorJitter(double brightness, double contrast, double saturation, double hue) {
    public ColorJitter {
        if (brightness < 0 || contrast < 0 || saturation < 0) {
            throw new IllegalArgumentException("colour jitter strengths cannot be negative");
        }
        if (hue < 0 || hue > 0.5) {
            throw new IllegalArgumentException("hue jitter must be in [0, 0.5], got " + hue);
        }
    }

    /** timm's {@code --color-jitter v}: brightness, contrast and saturation v, no hue. */
    public static ColorJitter of(double v) {
        return new ColorJitter(v, v, v, 0);
    }

    public void apply(RgbImage img, SplittableRandom rng, RgbImage scratch) {
        int[] order = {0, 1, 2, 3};
        for (int i = 3; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        double b = factor(brightness, rng);
        double c = factor(contrast, rng);
        double s = factor(saturation, rng);
        double h = hue > 0 ? -hue + 2 * hue * rng.nextDouble() : 0;
        for (int fn : order) {
            switch (fn) {
                case 0 -> {
                    if (brightness > 0) {
                        PilOps.brightness(img, b);
                    }
                }
                case 1 -> {
                    if (contrast > 0) {
                        PilOps.contrast(img, c, scratch);
                    }
                }
                case 2 -> {
                    if (saturation > 0) {
                        PilOps.saturation(img, s, scratch);
                    }
                }
                default -> {
                    if (hue > 0) {
                        PilOps.hue(img, h);
                    }
                }
            }
        }
    }

    private static double factor(double v, SplittableRandom rng) {
        if (v == 0) {
            return 1;
        }
        double lo = Math.max(0, 1 - v);
        return lo + (1 + v - lo) * rng.nextDouble();
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "ColorJitter(%s, %s, %s, %s)", brightness, contrast, saturation, hue);
    }
}
