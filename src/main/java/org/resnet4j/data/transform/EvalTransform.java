package org.resnet4j.data.transform;

import java.io.IOException;
import java.util.Locale;
import java.util.SplittableRandom;

import org.resnet4j.data.ImageHeader;
import org.resnet4j.data.image.Resample;
import org.resnet4j.data.image.RgbImage;

/**
 * torchvision's evaluation preset: {@code Resize(resizeSize)} (the short side to resizeSize, the long side
 * {@code int(resizeSize * long / short)}, antialiased as PIL resizes) then {@code CenterCrop(cropSize)}. Defaults
 * 256/224 bilinear; torchvision's IMAGENET1K_V2 ResNet weights are evaluated at 232/224 bilinear. With
 * {@code dctScaling}, a JPEG much larger than the resize target is decoded at 1/2–1/8 size first (faster, no longer
 * bit-exact with Pillow).
 */
public record EvalTransform(int resizeSize, int cropSize, Resample.Filter interpolation, boolean dctScaling)
        implements ImageTransform {
    public static final EvalTransform IMAGENET = new EvalTransform(256, 224, Resample.Filter.BILINEAR, false);

    public EvalTransform {
        if (cropSize < 1 || resizeSize < cropSize) {
            throw new IllegalArgumentException("evaluation needs 1 <= crop size <= resize size, got resize "
                    + resizeSize + ", crop " + cropSize);
        }
    }

    /**
     * This transform for a crop of {@code size}, the resize scaled with it (torchvision's presets keep the ratio, as
     * 256/224); itself when it already crops to {@code size}.
     */
    public EvalTransform atCrop(int size) {
        return size == cropSize ? this : new EvalTransform((int) Math.round((double) resizeSize * size / cropSize),
                size, interpolation, dctScaling);
    }

    @Override
    public int size() {
        return cropSize;
    }

    /** The size {@code Resize(resizeSize)} gives a {@code width}×{@code height} image: {width, height}. */
    public int[] resizedSize(int width, int height) {
        if (width <= height) {
            return new int[] {resizeSize, (int) ((long) resizeSize * height / width)};
        }
        return new int[] {(int) ((long) resizeSize * width / height), resizeSize};
    }

    @Override
    public void apply(EncodedImage image, SplittableRandom rng, Workspace ws, OutputLayout layout, float[][] lut,
            float[] out) throws IOException {
        RgbImage img = transform(image, ws);
        layout.write(img, false, lut, out);
    }

    /** The resized and centre-cropped image (in {@code ws}'s scratch). */
    public RgbImage transform(EncodedImage image, Workspace ws) throws IOException {
        ImageHeader h = ws.reader.header(image.data(), image.length(), image.name());
        int[] size = resizedSize(h.width(), h.height());
        int k = dctScaling ? ImageTransform.reduction(h.width(), h.height(), size[0], size[1]) : 1;
        RgbImage img = ws.reader.decode(image.data(), image.length(), h, k, image.name(), ws.decoded);
        return transform(img, size, ws.resized);
    }

    /** {@code img} resized and centre-cropped into {@code out}. */
    public RgbImage transform(RgbImage img, RgbImage out) {
        return transform(img, resizedSize(img.width(), img.height()), out);
    }

    private RgbImage transform(RgbImage img, int[] size, RgbImage out) {
        int top = (int) Math.rint((size[1] - cropSize) / 2.0);
        int left = (int) Math.rint((size[0] - cropSize) / 2.0);
        return Resample.resize(img, 0, 0, img.width(), img.height(), size[0], size[1], left, top, cropSize, cropSize,
                interpolation, out);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "Resize(%d, %s) + CenterCrop(%d)%s", resizeSize,
                interpolation.name().toLowerCase(Locale.ROOT), cropSize, dctScaling ? ", DCT-domain downscaling" : "");
    }
}
