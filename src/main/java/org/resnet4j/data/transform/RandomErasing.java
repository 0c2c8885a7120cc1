package org.resnet4j.data.transform;

import java.util.SplittableRandom;

/**
 * torchvision's {@code RandomErasing(p, scale=(0.02, 0.33), ratio=(0.3, 3.3), value=0)} on the normalised sample:
 * with probability p, up to ten draws of an area fraction and a log-uniform aspect ratio until the rectangle fits
 * strictly inside, then it is set to {@code value}.
 */
public record RandomErasing(double p, double scaleMin, double scaleMax, double ratioMin, double ratioMax,
        float value) {
    public static RandomErasing of(double p) {
        return new RandomErasing(p, 0.02, 0.33, 0.3, 3.3, 0f);
    }

    public RandomErasing {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException("random erasing probability must be in [0, 1], got " + p);
        }
    }

    /** The rectangle (top, left, height, width) to erase in a size×size sample, or null for none. */
    public CropBox sample(int size, SplittableRandom rng) {
        return sample(size, size, rng);
    }

    /** The rectangle to erase in a {@code height}×{@code width} sample, or null for none. */
    public CropBox sample(int height, int width, SplittableRandom rng) {
        if (!(rng.nextDouble() < p)) {
            return null;
        }
        double area = (double) height * width;
        double logMin = Math.log(ratioMin);
        double logMax = Math.log(ratioMax);
        for (int attempt = 0; attempt < 10; attempt++) {
            double eraseArea = area * (scaleMin + (scaleMax - scaleMin) * rng.nextDouble());
            double aspect = Math.exp(logMin + (logMax - logMin) * rng.nextDouble());
            int h = (int) Math.rint(Math.sqrt(eraseArea * aspect));
            int w = (int) Math.rint(Math.sqrt(eraseArea / aspect));
            if (!(h < height && w < width)) {
                continue;
            }
            int i = rng.nextInt(height - h + 1);
            int j = rng.nextInt(width - w + 1);
            return new CropBox(i, j, h, w);
        }
        return null;
    }
}
