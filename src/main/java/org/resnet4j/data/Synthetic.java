package org.resnet4j.data;

import java.util.List;
import java.util.SplittableRandom;

/**
 * Seeded synthetic images for smoke runs and benchmarks: each class has its own colour and stripe pattern under
 * noise, so a network can learn them, and the same seed always gives the same images.
 */
public final class Synthetic {
    private Synthetic() {
    }

    public static Dataset create(int n, int classes, int channels, int height, int width, long seed) {
        if (n < 1 || classes < 1 || channels < 1 || height < 1 || width < 1) {
            throw new IllegalArgumentException("synthetic dataset needs positive sizes");
        }
        SplittableRandom palette = new SplittableRandom(0x5EED);
        int[][] colour = new int[classes][channels];
        for (int c = 0; c < classes; c++) {
            for (int ch = 0; ch < channels; ch++) {
                colour[c][ch] = 30 + palette.nextInt(196);
            }
        }
        SplittableRandom rng = new SplittableRandom(seed);
        int image = channels * height * width;
        byte[] pixels = new byte[Math.multiplyExact(n, image)];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            int c = rng.nextInt(classes);
            labels[i] = c;
            double freq = 0.3 + 0.1 * (c / 2);
            for (int ch = 0, p = i * image; ch < channels; ch++) {
                for (int y = 0; y < height; y++) {
                    for (int x = 0; x < width; x++, p++) {
                        double stripes = Math.sin((c % 2 == 1 ? x : y) * freq);
                        double v = colour[c][ch] + 25 * stripes + 20 * rng.nextGaussian();
                        pixels[p] = (byte) Math.max(0, Math.min(255, (int) Math.round(v)));
                    }
                }
            }
        }
        return new InMemoryDataset(pixels, labels, channels, height, width, Dataset.padClassNames(List.of(), classes));
    }
}
