package org.resnet4j.data;

import java.util.Locale;

import org.resnet4j.data.transform.EvalTransform;

/**
 * How images must be prepared for a trained model: the size and channels it was trained on, how other aspect
 * ratios are fitted, and the normalisation. Saved with the weights so prediction prepares images as training did.
 * {@code evalTransform}, when not null, is how the model was evaluated instead of the fit (torchvision's resize then
 * centre crop to {@code height}: weights from the registry, runs that streamed their folder or shards); images are
 * then prepared that way, so that evaluating the weights again gives the figures training reported.
 */
public record Preprocessing(String dataset, int channels, int height, int width, ImageDecoder.Fit fit,
        Normalization normalization, EvalTransform evalTransform) {

    public Preprocessing {
        if (evalTransform != null && (channels != 1 && channels != 3 || height != evalTransform.cropSize()
                || width != evalTransform.cropSize())) {
            throw new IllegalArgumentException(evalTransform + " makes square images of " + evalTransform.cropSize()
                    + " pixels a side, not the " + channels + "x" + height + "x" + width + " input");
        }
    }

    /** Fitted images, as training held them in memory. */
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

    /** This preparation, evaluated with {@code t} (null: fitted). */
    public Preprocessing withEvalTransform(EvalTransform t) {
        return new Preprocessing(dataset, channels, height, width, fit, normalization, t);
    }

    @Override
    public String toString() {
        String shape = String.format(Locale.ROOT, "%dx%dx%d (%s)", channels, height, width,
                evalTransform != null ? evalTransform.toString() : fit.name().toLowerCase(Locale.ROOT));
        return shape + ", " + dataset + " normalisation";
    }
}
