package org.resnet4j.train;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Named training recipes: settings written as the command-line flags that make them, applied on top of the reference
 * program; options given after a recipe still change it.
 */
public enum Recipe {
    /** The reference program (the defaults). */
    REFERENCE("the reference program"),
    /**
     * He et al. 2015, section 4.2, for the 6n+2 CIFAR nets: resnet20 unless a model is given, SGD lr 0.1 momentum 0.9
     * weight decay 1e-4, batch 128, trained on 45k images with 5k held out for validation, the rate divided by 10 at
     * 32k and 48k iterations, stopped after about 64k (182 epochs of 352 steps).
     */
    PAPER("He et al. 2015 for the 6n+2 nets", "--model", "resnet20", "--lr", "0.1", "--momentum", "0.9",
            "--weight-decay", "1e-4", "--batch-size", "128", "--val-split", "5000", "--schedule", "multistep",
            "--milestone-steps", "32000,48000", "--gamma", "0.1", "--epochs", "182"),
    /**
     * Time to accuracy on CIFAR-10 (after Page's DAWNBench ResNet-9 recipe): resnet9, batch 512, Nesterov SGD with a
     * one-cycle rate peaking at 0.4 a fifth of the way, weight decay 5e-4, label smoothing 0.2, bfloat16, 12 epochs,
     * test evaluation with flip test-time augmentation.
     */
    FAST("time to accuracy: ResNet-9, one-cycle, bf16", "--model", "resnet9", "--batch-size", "512", "--nesterov",
            "--momentum", "0.9", "--lr", "0.4", "--weight-decay", "5e-4", "--schedule", "onecycle", "--pct-start",
            "0.2", "--label-smoothing", "0.2", "--precision", "bf16", "--epochs", "12", "--eval-tta",
            "--eval-batch-size", "512"),
    /**
     * torchvision's ResNet-50 recipe of the IMAGENET1K_V2 weights (the "how to train state-of-the-art models" blog):
     * imagenet_resnet50, 600 epochs, SGD momentum 0.9, lr 0.5 for a batch of 1024 scaled linearly to the batch
     * trained with, cosine after 5 linear warm-up epochs from 0.01x, weight decay 2e-5 but none on BatchNorm (and
     * biases), label smoothing 0.1, mixup 0.2 / cutmix 1.0, TrivialAugmentWide, random erasing 0.1, repeated
     * augmentation (RASampler, 4 copies), streamed images trained at 176 and evaluated at Resize(232) + CenterCrop(224),
     * and an EMA of the weights every 32 steps, copied through the warm-up, its decay 0.99998 adjusted as torchvision's
     * train.py does for a batch of 1024 and 600 epochs: 1 - (1 - 0.99998) x 1024 x 32 / 600.
     */
    IMAGENET("torchvision's ResNet-50 V2 recipe", "--model", "imagenet_resnet50", "--epochs", "600",
            "--batch-size", "128", "--momentum", "0.9", "--lr", "0.5", "--lr-batch", "1024", "--schedule", "cosine",
            "--warmup-epochs", "5", "--warmup-start-factor", "0.01", "--weight-decay", "2e-5", "--no-decay-bn-bias",
            "--label-smoothing", "0.1", "--mixup", "0.2", "--cutmix", "1.0", "--trivial-augment",
            "--random-erasing", "0.1", "--ra-sampler", "--ra-reps", "4", "--train-crop", "176", "--eval-resize", "232",
            "--ema-decay", Double.toString(1 - (1 - 0.99998) * 1024 * 32 / 600), "--ema-every", "32",
            "--ema-copy-warmup");

    private final String summary;
    private final List<String> flags;

    Recipe(String summary, String... flags) {
        this.summary = summary;
        this.flags = List.of(flags);
    }

    /** The recipe's settings on top of {@code base}. */
    public TrainConfig applyTo(TrainConfig base) {
        return base.with(flags.toArray(String[]::new));
    }

    public String summary() {
        return summary;
    }

    public List<String> flags() {
        return flags;
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Recipe parse(String name) {
        for (Recipe r : values()) {
            if (r.toString().equalsIgnoreCase(name.trim())) {
                return r;
            }
        }
        throw new IllegalArgumentException("unknown recipe '" + name + "' (expected one of "
                + String.join(", ", Arrays.stream(values()).map(Recipe::toString).toList()) + ")");
    }
}
