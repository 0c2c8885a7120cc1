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
            "--eval-batch-size", "512");

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
