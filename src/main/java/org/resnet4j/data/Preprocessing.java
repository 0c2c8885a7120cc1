package org.resnet4j.data;

import java.util.Locale;

import org.resnet4j.data.transform.EvalTransform;

/**
 * How images must be prepared for a trained model: the size and channels it was trained on, how other aspect
 * ratios are fitted, the normalisation, and, for models trained on images decoded per step (or torchvision's
 * weights), the evaluation transform (Resize + CenterCrop; null when images are brought to the input size by
 * {@code fit}). Saved with the weights so prediction and evaluation prepare images as training did.
 */
public record Preprocessing(String dataset, int channels, int height, int width, ImageDecoder.Fit fit,
        Normalization normalization, EvalTransform eval) {

    public Preprocessing(String dataset, int channels, int height, int width, ImageDecoder.Fit fit,
            Normalization normalization) {
        this(dataset, channels, height, width, fit, normalization, null);
    }

    public static Preprocessing of(DataConfig c) {
        return new Preprocessing(c.kind().id(), c.channels(), c.height(), c.width(), c.fit(), c.normalization());
    }

    /** The defaults for a model trained on {@code kind} at {@code channels}×{@code size}×{@code size}. */
    public static Preprocessing defaults(DatasetKind kind, int channels, int size) {
        int h = kind.shape() != null ? (int) kind.shape().height() : size;
        int w = kind.shape() != null ? (int) kind.shape().width() : size;
        return new Preprocessing(kind.id(), channels, h, w, ImageDecoder.Fit.CROP, kind.normalization(channels));
    }

    /** This preparation with images resized and centre-cropped by {@code t} (null: fitted to the input size). */
    public Preprocessing withEval(EvalTransform t) {
        return new Preprocessing(dataset, channels, height, width, fit, normalization, t);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%dx%dx%d (%s), %s normalisation", channels, height, width,
                eval != null ? eval.toString() : fit.name().toLowerCase(Locale.ROOT), dataset);
    }
}
