package org.resnet4j.data.transform;

import java.util.SplittableRandom;

import org.resnet4j.data.image.PilOps;
import org.resnet4j.data.image.RgbImage;

/**
 * torchvision's {@code TrivialAugmentWide(num_magnitude_bins=31, interpolation=NEAREST, fill=black)}: one operation
 * drawn uniformly from the wide augmentation space, one of its 31 magnitudes, a random sign for the signed ones.
 */
public record TrivialAugmentWide(int bins) {
    public static final TrivialAugmentWide DEFAULT = new TrivialAugmentWide(31);

    /** The operations in torchvision's order. */
    public enum Op {
        IDENTITY, SHEAR_X, SHEAR_Y, TRANSLATE_X, TRANSLATE_Y, ROTATE, BRIGHTNESS, COLOR, CONTRAST, SHARPNESS,
        POSTERIZE, SOLARIZE, AUTOCONTRAST, EQUALIZE
    }

    public TrivialAugmentWide {
        if (bins < 2) {
            throw new IllegalArgumentException("magnitude bins must be at least 2, got " + bins);
        }
    }

    /** The magnitude of bin {@code i} for {@code op} ({@code torch.linspace} and friends), unsigned. */
    public double magnitude(Op op, int i) {
        double t = (double) i / (bins - 1);
        return switch (op) {
            case SHEAR_X, SHEAR_Y, BRIGHTNESS, COLOR, CONTRAST, SHARPNESS -> (float) (0.99 * t);
            case TRANSLATE_X, TRANSLATE_Y -> (float) (32.0 * t);
            case ROTATE -> (float) (135.0 * t);
            case POSTERIZE -> 8 - (int) Math.rint(i / ((bins - 1) / 6.0));
            case SOLARIZE -> (float) (255.0 - 255.0 * t);
            default -> 0.0;
        };
    }

    static boolean signed(Op op) {
        return switch (op) {
            case SHEAR_X, SHEAR_Y, TRANSLATE_X, TRANSLATE_Y, ROTATE, BRIGHTNESS, COLOR, CONTRAST, SHARPNESS -> true;
            default -> false;
        };
    }

    /** Applies one drawn operation; returns the image holding the result ({@code img} or {@code scratch}). */
    public RgbImage apply(RgbImage img, SplittableRandom rng, RgbImage scratch) {
        Op op = Op.values()[rng.nextInt(Op.values().length)];
        boolean hasMagnitudes = op != Op.IDENTITY && op != Op.AUTOCONTRAST && op != Op.EQUALIZE;
        double m = hasMagnitudes ? magnitude(op, rng.nextInt(bins)) : 0.0;
        if (signed(op) && rng.nextBoolean()) {
            m = -m;
        }
        return apply(op, m, img, scratch);
    }

    /** torchvision's {@code _apply_op} for a PIL image. */
    public static RgbImage apply(Op op, double m, RgbImage img, RgbImage scratch) {
        switch (op) {
            case SHEAR_X:
                PilOps.affineNearest(img, inverseAffine(0, 0, 0, 0, 0, Math.toDegrees(Math.atan(m)), 0), scratch);
                return scratch;
            case SHEAR_Y:
                PilOps.affineNearest(img, inverseAffine(0, 0, 0, 0, 0, 0, Math.toDegrees(Math.atan(m))), scratch);
                return scratch;
            case TRANSLATE_X:
                PilOps.affineNearest(img, inverseAffine(img.width() * 0.5, img.height() * 0.5, 0, (int) m, 0, 0, 0),
                        scratch);
                return scratch;
            case TRANSLATE_Y:
                PilOps.affineNearest(img, inverseAffine(img.width() * 0.5, img.height() * 0.5, 0, 0, (int) m, 0, 0),
                        scratch);
                return scratch;
            case ROTATE:
                return rotate(img, m, scratch);
            case BRIGHTNESS:
                PilOps.brightness(img, 1.0 + m);
                return img;
            case COLOR:
                PilOps.saturation(img, 1.0 + m, scratch);
                return img;
            case CONTRAST:
                PilOps.contrast(img, 1.0 + m, scratch);
                return img;
            case SHARPNESS:
                PilOps.sharpness(img, 1.0 + m, scratch);
                return img;
            case POSTERIZE:
                PilOps.posterize(img, (int) m);
                return img;
            case SOLARIZE:
                PilOps.solarize(img, m);
                return img;
            case AUTOCONTRAST:
                PilOps.autocontrast(img);
                return img;
            case EQUALIZE:
                PilOps.equalize(img);
                return img;
            default:
                return img;
        }
    }

    /** torchvision's {@code _get_inverse_affine_matrix} (scale 1), for PIL's transform. */
    static double[] inverseAffine(double cx, double cy, double angle, double tx, double ty, double shearX,
            double shearY) {
        double rot = Math.toRadians(angle);
        double sx = Math.toRadians(shearX);
        double sy = Math.toRadians(shearY);
        double a = Math.cos(rot - sy) / Math.cos(sy);
        double b = -Math.cos(rot - sy) * Math.tan(sx) / Math.cos(sy) - Math.sin(rot);
        double c = Math.sin(rot - sy) / Math.cos(sy);
        double d = -Math.sin(rot - sy) * Math.tan(sx) / Math.cos(sy) + Math.cos(rot);
        double[] m = {d, -b, 0.0, -c, a, 0.0};
        m[2] += m[0] * (-cx - tx) + m[1] * (-cy - ty);
        m[5] += m[3] * (-cx - tx) + m[4] * (-cy - ty);
        m[2] += cx;
        m[5] += cy;
        return m;
    }

    /** PIL's {@code Image.rotate(angle, NEAREST, fillcolor=black)} about the centre, same size. */
    static RgbImage rotate(RgbImage img, double degrees, RgbImage scratch) {
        double angle = ((degrees % 360.0) + 360.0) % 360.0;
        int w = img.width();
        int h = img.height();
        if (angle == 0) {
            return img;
        }
        if (angle == 180 || ((angle == 90 || angle == 270) && w == h)) { // Pillow's exact transposes
            scratch.reshape(w, h);
            byte[] in = img.data();
            byte[] out = scratch.data();
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int sx;
                    int sy;
                    if (angle == 180) {
                        sx = w - 1 - x;
                        sy = h - 1 - y;
                    } else if (angle == 90) {
                        sx = w - 1 - y;
                        sy = x;
                    } else {
                        sx = y;
                        sy = h - 1 - x;
                    }
                    System.arraycopy(in, (sy * w + sx) * 3, out, (y * w + x) * 3, 3);
                }
            }
            return scratch;
        }
        double r = -Math.toRadians(angle);
        double cos = round15(Math.cos(r));
        double sin = round15(Math.sin(r));
        double[] m = {cos, sin, 0.0, -sin, cos, 0.0};
        double cx = w / 2.0;
        double cy = h / 2.0;
        m[2] = m[0] * -cx + m[1] * -cy + m[2] + cx;
        m[5] = m[3] * -cx + m[4] * -cy + m[5] + cy;
        PilOps.affineNearest(img, m, scratch);
        return scratch;
    }

    private static double round15(double v) {
        return new java.math.BigDecimal(v).setScale(15, java.math.RoundingMode.HALF_EVEN).doubleValue();
    }

    @Override
    public String toString() {
        return "TrivialAugmentWide(" + bins + ")";
    }
}
