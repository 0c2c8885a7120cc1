package org.resnet4j.data.transform;

import java.io.IOException;
import java.util.SplittableRandom;

import org.resnet4j.data.ImageDecoder;
import org.resnet4j.data.ImagePreparation;

/**
 * An image decoded and prepared exactly as a folder held in memory is ({@link ImagePreparation}: ImageIO's decoding,
 * then fitted or resize-cropped to a uint8 record), then normalised as the in-memory batch builder does: what
 * evaluation streams, so that its figures equal those of the in-memory path.
 */
public record PreparedTransform(ImagePreparation preparation) implements ImageTransform {
    public PreparedTransform {
        if (preparation.height() != preparation.width()) {
            throw new IllegalArgumentException("streamed images are square, not " + preparation.height() + "x"
                    + preparation.width());
        }
    }

    @Override
    public int size() {
        return preparation.height();
    }

    /** {@code layout} has the preparation's channels. */
    @Override
    public void apply(EncodedImage image, SplittableRandom rng, Workspace ws, OutputLayout layout, float[][] lut,
            float[] out) throws IOException {
        byte[] record = new byte[preparation.recordBytes()];
        preparation.toRecord(ImageDecoder.read(image.data(), image.length(), image.name()), record, 0);
        layout.write(record, lut, out);
    }

    @Override
    public String toString() {
        return preparation.toString();
    }
}
