package org.resnet4j.data;

import java.awt.image.BufferedImage;
import java.util.Locale;

import org.resnet4j.data.transform.EvalTransform;

/**
 * How a decoded folder image becomes a C×H×W uint8 record at the model's input: fitted (resized to cover or to fit
 * inside it, then centre-cropped or padded with black) or, for weights measured that way, {@code resizeCrop}
 * (torchvision's evaluation preset, in RGB, then PIL's luma for one channel) into C×crop×crop. Folders decoded
 * into memory and evaluation streamed from files or shards both prepare images here, so that where the images are
 * held never changes the figures.
 */
public record ImagePreparation(int channels, int height, int width, ImageDecoder.Fit fit, EvalTransform resizeCrop) {
    public ImagePreparation {
        if (resizeCrop != null && (channels != 1 && channels != 3 || height != resizeCrop.cropSize()
                || width != resizeCrop.cropSize())) {
            throw new IllegalArgumentException(resizeCrop + " makes square RGB or grey images, not the " + channels
                    + "x" + height + "x" + width + " asked for");
        }
    }

    public static ImagePreparation fitted(int channels, int height, int width, ImageDecoder.Fit fit) {
        return new ImagePreparation(channels, height, width, fit, null);
    }

    public static ImagePreparation resizeCrop(EvalTransform t) {
        return resizeCrop(t, 3);
    }

    public static ImagePreparation resizeCrop(EvalTransform t, int channels) {
        return new ImagePreparation(channels, t.cropSize(), t.cropSize(), null, t);
    }

    /**
     * The preparation {@code c} asks for: {@code resizeCrop} (null: none) scaled to the configured size, as the
     * weights were evaluated, else fitted as configured.
     */
    public static ImagePreparation of(DataConfig c, EvalTransform resizeCrop) {
        if (resizeCrop == null) {
            return fitted(c.channels(), c.height(), c.width(), c.fit());
        }
        if (c.channels() != 1 && c.channels() != 3 || c.height() != c.width()) {
            throw new IllegalArgumentException(resizeCrop + " makes square RGB or grey images, not the "
                    + c.channels() + "x" + c.height() + "x" + c.width() + " asked for");
        }
        return resizeCrop(resizeCrop.atCrop(c.height()), c.channels());
    }

    public int recordBytes() {
        return channels * height * width;
    }

    /** Writes {@code src} prepared into {@code dst} at {@code offset} ({@link #recordBytes} bytes). */
    public void toRecord(BufferedImage src, byte[] dst, int offset) {
        if (resizeCrop != null) {
            ImageDecoder.toRecord(src, resizeCrop, channels, dst, offset);
        } else {
            ImageDecoder.toRecord(src, channels, height, width, fit, dst, offset);
        }
    }

    @Override
    public String toString() {
        return resizeCrop != null ? resizeCrop.toString() : String.format(Locale.ROOT, "fitted to %dx%dx%d (%s)",
                channels, height, width, fit);
    }
}
