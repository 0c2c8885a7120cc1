package org.resnet4j.data;

import org.resnet4j.data.image.Resample;
import org.resnet4j.data.transform.ColorJitter;
import org.resnet4j.data.transform.EvalTransform;
import org.resnet4j.data.transform.ImageTransform;
import org.resnet4j.data.transform.RandomErasing;
import org.resnet4j.data.transform.TrainTransform;
import org.resnet4j.data.transform.TrivialAugmentWide;

import picocli.CommandLine.Option;

/** Training-time augmentation on top of the dataset's own (crop and flip for CIFAR). */
public record AugmentSettings(
        @Option(names = "--no-augment", negatable = true, defaultValue = "true",
                description = "the dataset's training augmentation (default on); off, images held in memory still"
                        + " get the extras asked for (--cutout, --trivial-augment, --random-erasing), streamed images"
                        + " get the evaluation transform alone") boolean augment,
        @Option(names = "--cutout", paramLabel = "N", defaultValue = "0",
                description = "Cutout square of N pixels (default off)") int cutout,
        @Option(names = "--color-jitter", paramLabel = "F", defaultValue = "0",
                description = "streamed images: ColorJitter(F, F, F) brightness, contrast and saturation (default"
                        + " off)") double colorJitter,
        @Option(names = "--trivial-augment",
                description = "TrivialAugmentWide, as torchvision's recipes") boolean trivialAugment,
        @Option(names = "--random-erasing", paramLabel = "P", defaultValue = "0",
                description = "RandomErasing with probability P (default off)")
        double randomErasing,
        @Option(names = "--mixup", paramLabel = "ALPHA", defaultValue = "0",
                description = "mixup with Beta(ALPHA, ALPHA) weights, per batch, soft-target loss (timm's Mixup;"
                        + " default off)") double mixup,
        @Option(names = "--cutmix", paramLabel = "ALPHA", defaultValue = "0",
                description = "cutmix with Beta(ALPHA, ALPHA) areas, per batch (default off); with --mixup, one of"
                        + " the two per batch") double cutmix,
        @Option(names = "--mixup-prob", paramLabel = "P", defaultValue = "1",
                description = "probability of mixing a batch (default ${DEFAULT-VALUE})") double mixupProb,
        @Option(names = "--mixup-switch-prob", paramLabel = "P", defaultValue = "0.5",
                description = "with both, probability of cutmix rather than mixup (default ${DEFAULT-VALUE})")
        double mixupSwitchProb,
        @Option(names = "--ra-sampler",
                description = "repeated augmentation (torchvision's RASampler): each image of an epoch's shuffle"
                        + " --ra-reps times, the copies on different ranks, the epoch as long as without")
        boolean raSampler,
        @Option(names = "--ra-reps", paramLabel = "N", defaultValue = "3",
                description = "--ra-sampler: copies of each image (default ${DEFAULT-VALUE})") int raReps) {

    public AugmentSettings {
        if (cutout < 0) {
            throw new IllegalArgumentException("--cutout cannot be negative, got " + cutout);
        }
        if (colorJitter < 0) {
            throw new IllegalArgumentException("--color-jitter cannot be negative, got " + colorJitter);
        }
        if (!(randomErasing >= 0 && randomErasing <= 1)) {
            throw new IllegalArgumentException("--random-erasing must be in [0, 1], got " + randomErasing);
        }
        if (!(mixup >= 0 && cutmix >= 0 && Double.isFinite(mixup) && Double.isFinite(cutmix))) {
            throw new IllegalArgumentException("--mixup and --cutmix take alpha >= 0, got " + mixup + ", " + cutmix);
        }
        if (!(mixupProb >= 0 && mixupProb <= 1 && mixupSwitchProb >= 0 && mixupSwitchProb <= 1)) {
            throw new IllegalArgumentException("--mixup-prob and --mixup-switch-prob must be in [0, 1]");
        }
        if (raReps < 1) {
            throw new IllegalArgumentException("--ra-reps must be at least 1, got " + raReps);
        }
    }

    /** Copies of each image in an epoch: --ra-reps with --ra-sampler, else 1. */
    public int repetitions() {
        return raSampler ? raReps : 1;
    }

    /** Whether batches are mixed (mixup or cutmix). */
    public boolean mixes() {
        return (mixup > 0 || cutmix > 0) && mixupProb > 0;
    }

    /**
     * The augmentation of images held in memory at their final size: the dataset's own (unless --no-augment), and the
     * extras asked for (cutout, TrivialAugmentWide, RandomErasing) in any case.
     */
    public Augmentation of(DataConfig data) {
        return (augment ? data.augmentation() : Augmentation.NONE).withCutout(cutout)
                .withAutoAugment(trivialAugment ? TrivialAugmentWide.DEFAULT : null)
                .withErasing(randomErasing > 0 ? RandomErasing.of(randomErasing) : null);
    }

    /**
     * The transform of streamed images, decoded at any size: RandomResizedCrop({@code size}) + flip, with the extras
     * asked for; without augmentation, the evaluation transform {@code eval}.
     */
    public ImageTransform streamed(int size, Resample.Filter interpolation, EvalTransform eval) {
        if (!augment) {
            return eval;
        }
        TrainTransform t = TrainTransform.imagenet(size).withInterpolation(interpolation);
        if (colorJitter > 0) {
            t = t.withColorJitter(ColorJitter.of(colorJitter));
        }
        if (trivialAugment) {
            t = t.withAutoAugment(TrivialAugmentWide.DEFAULT);
        }
        return randomErasing > 0 ? t.withErasing(RandomErasing.of(randomErasing)) : t;
    }
}
