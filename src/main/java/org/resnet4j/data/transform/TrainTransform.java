package org.resnet4j.data.transform;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

import org.resnet4j.data.ImageHeader;
import org.resnet4j.data.image.Resample;
import org.resnet4j.data.image.RgbImage;

/**
 * torchvision's training preset: {@code RandomResizedCrop(size, scale, ratio)} of the original image,
 * {@code RandomHorizontalFlip(hflip)}, optionally {@code ColorJitter} and {@code TrivialAugmentWide} (on the 8-bit
 * image, as on a PIL image), normalisation, then optionally {@code RandomErasing}.
 *
 * <p>With {@code dctScaling} a JPEG whose crop is at least twice the output size in both directions is decoded at
 * 1/2, 1/4 or 1/8 scale (libjpeg-turbo's DCT-domain scaling) and the crop box scaled with it: the same crop,
 * computed from fewer pixels, not bit-exact with decoding at full size.
 */
public record TrainTransform(int size, RandomResizedCrop crop, Resample.Filter interpolation, double hflip,
        ColorJitter colorJitter, TrivialAugmentWide autoAugment, RandomErasing erasing, boolean dctScaling)
        implements ImageTransform {

    /** RandomResizedCrop(size) + RandomHorizontalFlip(), bilinear, DCT-domain downscaling on. */
    public static TrainTransform imagenet(int size) {
        return new TrainTransform(size, RandomResizedCrop.IMAGENET, Resample.Filter.BILINEAR, 0.5, null, null, null,
                true);
    }

    public TrainTransform {
        if (size < 1) {
            throw new IllegalArgumentException("crop size must be positive, got " + size);
        }
        if (!(hflip >= 0 && hflip <= 1)) {
            throw new IllegalArgumentException("flip probability must be in [0, 1], got " + hflip);
        }
    }

    public TrainTransform withColorJitter(ColorJitter j) {
        return new TrainTransform(size, crop, interpolation, hflip, j, autoAugment, erasing, dctScaling);
    }

    public TrainTransform withAutoAugment(TrivialAugmentWide a) {
        return new TrainTransform(size, crop, interpolation, hflip, colorJitter, a, erasing, dctScaling);
    }

    public TrainTransform withErasing(RandomErasing e) {
        return new TrainTransform(size, crop, interpolation, hflip, colorJitter, autoAugment, e, dctScaling);
    }

    public TrainTransform withDctScaling(boolean on) {
        return new TrainTransform(size, crop, interpolation, hflip, colorJitter, autoAugment, erasing, on);
    }

    public TrainTransform withInterpolation(Resample.Filter f) {
        return new TrainTransform(size, crop, f, hflip, colorJitter, autoAugment, erasing, dctScaling);
    }

    @Override
    public void apply(EncodedImage image, SplittableRandom rng, Workspace ws, OutputLayout layout, float[][] lut,
            float[] out) throws IOException {
        ImageHeader h = ws.reader.header(image.data(), image.length(), image.name());
        CropBox box = crop.sample(h.width(), h.height(), rng);
        int k = dctScaling ? ImageTransform.reduction(box.width(), box.height(), size, size) : 1;
        RgbImage img = ws.reader.decode(image.data(), image.length(), h, k, image.name(), ws.decoded);
        double sx = (double) img.width() / h.width();
        double sy = (double) img.height() / h.height();
        RgbImage r = Resample.resize(img, box.left() * sx, box.top() * sy, (box.left() + box.width()) * sx,
                (box.top() + box.height()) * sy, size, size, 0, 0, size, size, interpolation, ws.resized);
        boolean flip = rng.nextDouble() < hflip;
        if (colorJitter != null || autoAugment != null) {
            if (flip) {
                r.flipHorizontal();
                flip = false;
            }
            if (colorJitter != null) {
                colorJitter.apply(r, rng, ws.scratch);
            }
            if (autoAugment != null) {
                r = autoAugment.apply(r, rng, ws.scratch);
            }
        }
        layout.write(r, flip, lut, out);
        if (erasing != null) {
            CropBox e = erasing.sample(size, rng);
            if (e != null) {
                layout.fill(out, size, e.top(), e.left(), e.height(), e.width(), erasing.value());
            }
        }
    }

    @Override
    public String toString() {
        List<String> parts = new ArrayList<>();
        parts.add(String.format(Locale.ROOT, "RandomResizedCrop(%d, scale=(%s, %s), ratio=(%.3f, %.3f), %s)", size,
                crop.scaleMin(), crop.scaleMax(), crop.ratioMin(), crop.ratioMax(),
                interpolation.name().toLowerCase(Locale.ROOT)));
        if (hflip > 0) {
            parts.add("RandomHorizontalFlip(" + hflip + ")");
        }
        if (colorJitter != null) {
            parts.add(colorJitter.toString());
        }
        if (autoAugment != null) {
            parts.add(autoAugment.toString());
        }
        if (erasing != null) {
            parts.add("RandomErasing(" + erasing.p() + ")");
        }
        return String.join(" + ", parts) + (dctScaling ? ", DCT-domain downscaling" : "");
    }
}
