package org.resnet4j.data;

import java.util.Locale;

/**
 * How images must be prepared for a trained model: the size and channels it was trained on, how other aspect
 * ratios are fitted, and the normalisation. Saved with the weights so prediction prepares images as training did.
 */
public record Preprocessing(String dataset, int channels, int height, int width, ImageDecoder.Fit fit,
        Normalization normalization) {

    public static Preprocessing of(DataConfig c) {
        return new Preprocessing(c.kind().id(), c.channels(), c.height(), c.width(), c.fit(), c.normalization());
    }

    /** The defaults for a model trained on {@code kind} at {@code channels}×{@code size}×{@code size}. */
    public static Preprocessing defaults(DatasetKind kind, int channels, int size) {
        int h = kind.shape() != null ? (int) kind.shape().height() : size;
        int w = kind.shape() != null ? (int) kind.shape().width() : size;
        return new Preprocessing(kind.id(), channels, h, w, ImageDecoder.Fit.CROP, kind.normalization(channels));
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%dx%dx%d (%s), %s normalisation", channels, height, width,
                fit.name().toLowerCase(Locale.ROOT), dataset);
    }
}
