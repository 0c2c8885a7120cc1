package org.resnet4j.data.transform;

import java.io.IOException;
import java.util.SplittableRandom;

/**
 * Decodes one encoded image and turns it into a normalised float sample of {@code size()}×{@code size()}, as
 * torchvision's classification presets do (train: {@link TrainTransform}, evaluation: {@link EvalTransform}), or as
 * folders held in memory are ({@link PreparedTransform}).
 * Random draws come only from the sample's own {@code rng}, so a seed repeats a run whatever thread does the work.
 */
public sealed interface ImageTransform permits TrainTransform, EvalTransform, PreparedTransform {
    int size();

    /** Writes the sample into {@code out[0, channels × size²)} in {@code layout}'s order. */
    void apply(EncodedImage image, SplittableRandom rng, Workspace ws, OutputLayout layout, float[][] lut,
            float[] out) throws IOException;

    /**
     * The largest of 2, 4 and 8 by which a JPEG can be scaled down while decoding and still leave at least
     * {@code needW}×{@code needH} pixels for the box {@code boxW}×{@code boxH}; 1 when none can.
     */
    static int reduction(double boxW, double boxH, int needW, int needH) {
        for (int k = 8; k >= 2; k /= 2) {
            if (boxW / k >= needW && boxH / k >= needH) {
                return k;
            }
        }
        return 1;
    }
}
