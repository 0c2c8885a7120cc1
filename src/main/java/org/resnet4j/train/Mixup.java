package org.resnet4j.train;

import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;
import java.util.function.DoubleUnaryOperator;

import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Mixup and CutMix per batch, with timm's semantics ({@code timm.data.Mixup}, mode {@code batch}): with probability
 * {@code prob} a batch is mixed with its own reverse, by mixup (a Beta(α, α) blend of whole images) or cutmix (a box
 * of area 1 − λ pasted in; λ corrected to the box actually inside the image), the two chosen with
 * {@code switchProb} when both are on. Targets become soft: the label-smoothed one-hot of each image and of its
 * partner, weighted λ and 1 − λ, for a soft-target cross-entropy.
 *
 * <p>Every draw comes from the run's seed and the step alone, so a resumed run mixes exactly as an uninterrupted one.
 */
public record Mixup(double mixupAlpha, double cutmixAlpha, double prob, double switchProb, double labelSmoothing,
        int classes, long seed) {

    public Mixup {
        if (!(mixupAlpha > 0 || cutmixAlpha > 0)) {
            throw new IllegalArgumentException("mixup needs --mixup or --cutmix above 0");
        }
        if (classes < 1) {
            throw new IllegalArgumentException("mixup needs the class count");
        }
    }

    /** One batch's draw: the weight of the original images, and whether they were cut rather than blended. */
    public record Params(double lam, boolean cutmix) {
    }

    /** A cutmix box: rows {@code [yl, yh)}, columns {@code [xl, xh)}. */
    public record Box(int yl, int yh, int xl, int xh) {
        /** λ corrected to the box's area inside an {@code h}×{@code w} image. */
        public double lam(int h, int w) {
            return 1.0 - (double) (yh - yl) * (xh - xl) / ((double) h * w);
        }
    }

    /** A batch after mixing: the images (mixed in place), soft targets [N, classes], and the λ used. */
    public record Mixed(Tensor images, Tensor targets, double lam) {
    }

    /** timm's {@code _params_per_batch}, draw for draw. */
    public Params draw(SplittableRandom rng) {
        return decide(rng.nextDouble(), () -> rng.nextDouble(), alpha -> beta(alpha, alpha, rng));
    }

    /**
     * timm's decision given its draws: mix when {@code uProb < prob}; with both kinds on, cutmix when the next
     * uniform draw is below {@code switchProb}; λ from Beta(α, α) of the kind chosen.
     */
    Params decide(double uProb, DoubleSupplier uSwitch, DoubleUnaryOperator betaOfAlpha) {
        if (!(uProb < prob)) {
            return new Params(1.0, false);
        }
        boolean cut = mixupAlpha > 0 && cutmixAlpha > 0 ? uSwitch.getAsDouble() < switchProb : cutmixAlpha > 0;
        double a = cut ? cutmixAlpha : mixupAlpha;
        return new Params(betaOfAlpha.applyAsDouble(a), cut);
    }

    /**
     * timm's {@code rand_bbox} for a centre {@code (cy, cx)} drawn uniformly from the image: a box of side
     * {@code int(size × sqrt(1 − λ))}, clipped to the image.
     */
    public static Box box(int h, int w, double lam, int cy, int cx) {
        double ratio = Math.sqrt(1 - lam);
        int cutH = (int) (h * ratio);
        int cutW = (int) (w * ratio);
        return new Box(clip(cy - cutH / 2, h), clip(cy + (cutH + 1) / 2, h), clip(cx - cutW / 2, w),
                clip(cx + (cutW + 1) / 2, w));
    }

    private static int clip(int v, int max) {
        return Math.max(0, Math.min(max, v));
    }

    /**
     * Mixes the batch of step {@code step} ({@code images} [N, C, H, W], float; left as it is) and returns the mixed
     * images with their soft targets.
     */
    public Mixed apply(Tensor images, Tensor labels, long step) {
        SplittableRandom rng = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + step);
        Params p = draw(rng);
        boolean boxed = p.cutmix() && p.lam() != 1.0;
        int cy = boxed ? rng.nextInt((int) images.size(2)) : 0;
        int cx = boxed ? rng.nextInt((int) images.size(3)) : 0;
        return mix(images, labels, p, cy, cx);
    }

    /**
     * timm's {@code _mix_batch} and {@code mixup_target} for the draw {@code p} and, for cutmix, the box centre
     * {@code (cy, cx)}: the batch blended with (or a box pasted from) its reverse, λ corrected to the box's area.
     */
    public Mixed mix(Tensor images, Tensor labels, Params p, int cy, int cx) {
        double lam = p.lam();
        if (lam != 1.0) {
            try (NoGradGuard guard = new NoGradGuard()) {
                Tensor flipped = images.flip(0);
                if (p.cutmix()) {
                    images = images.clone(); // the loader's batch stays as it was
                    int h = (int) images.size(2);
                    int w = (int) images.size(3);
                    Box b = box(h, w, lam, cy, cx);
                    lam = b.lam(h, w);
                    if (b.yh() > b.yl() && b.xh() > b.xl()) {
                        images.narrow(2, b.yl(), b.yh() - b.yl()).narrow(3, b.xl(), b.xh() - b.xl())
                                .copy_(flipped.narrow(2, b.yl(), b.yh() - b.yl()).narrow(3, b.xl(), b.xh() - b.xl()));
                    }
                } else {
                    images = images.mul(new Scalar(lam)).add_(flipped.mul_(new Scalar(1 - lam)));
                }
            }
        }
        return new Mixed(images, targets(labels, classes, lam, labelSmoothing), lam);
    }

    /** timm's {@code mixup_target}: smoothed one-hot of each label and of the reversed batch's, weighted λ, 1 − λ. */
    public static Tensor targets(Tensor labels, int classes, double lam, double smoothing) {
        double off = smoothing / classes;
        double on = 1 - smoothing + off;
        Tensor y1 = smoothedOneHot(labels, classes, on, off);
        Tensor y2 = smoothedOneHot(labels.flip(0), classes, on, off);
        return y1.mul_(new Scalar(lam)).add_(y2.mul_(new Scalar(1 - lam)));
    }

    private static Tensor smoothedOneHot(Tensor labels, int classes, double on, double off) {
        return torch.one_hot(labels, classes).to(ScalarType.Float).mul_(new Scalar(on - off)).add_(new Scalar(off));
    }

    /** A Beta(a, b) sample: X / (X + Y) for X ~ Gamma(a), Y ~ Gamma(b). */
    static double beta(double a, double b, SplittableRandom rng) {
        double x = gamma(a, rng);
        double y = gamma(b, rng);
        return x + y == 0 ? (rng.nextBoolean() ? 1 : 0) : x / (x + y);
    }

    /** Marsaglia and Tsang's Gamma(a, 1) sampler; for a < 1, boosted from Gamma(a + 1). */
    static double gamma(double a, SplittableRandom rng) {
        if (a < 1) {
            return gamma(a + 1, rng) * Math.pow(rng.nextDouble(), 1 / a);
        }
        double d = a - 1.0 / 3;
        double c = 1 / Math.sqrt(9 * d);
        while (true) {
            double x;
            double v;
            do {
                x = rng.nextGaussian();
                v = 1 + c * x;
            } while (v <= 0);
            v = v * v * v;
            double u = rng.nextDouble();
            if (u < 1 - 0.0331 * x * x * x * x || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) {
                return d * v;
            }
        }
    }

    @Override
    public String toString() {
        String what = mixupAlpha > 0 && cutmixAlpha > 0 ? String.format(Locale.ROOT,
                "mixup %s or cutmix %s (cutmix with probability %s)", mixupAlpha, cutmixAlpha, switchProb)
                : mixupAlpha > 0 ? "mixup " + mixupAlpha : "cutmix " + cutmixAlpha;
        return what + (prob < 1 ? " on a share " + prob + " of batches" : "") + ", per batch, soft targets"
                + (labelSmoothing > 0 ? " smoothed by " + labelSmoothing : "");
    }
}
