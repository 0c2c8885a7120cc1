package org.resnet4j.train;

import java.util.List;
import java.util.Locale;

/**
 * Named training recipes: a starting configuration that options on top of it can still change.
 * <ul>
 * <li>{@code reference}: the reference program (the defaults).</li>
 * <li>{@code paper}: He et al. 2015, section 4.2, for the 6n+2 CIFAR nets: resnet20 unless a model is given, SGD lr
 * 0.1 momentum 0.9 weight decay 1e-4, batch 128, trained on 45k images with 5k held out for validation, the
 * rate divided by 10 at 32k and 48k iterations, stopped after about 64k (182 epochs of 352 steps).</li>
 * <li>{@code fast}: time to accuracy on CIFAR-10 (after Page's DAWNBench ResNet-9 recipe): resnet9, batch 512,
 * Nesterov SGD with a one-cycle rate peaking at 0.4 a fifth of the way, weight decay 5e-4, label smoothing 0.2,
 * bfloat16, 12 epochs, test evaluation with flip test-time augmentation.</li>
 * </ul>
 */
public final class Recipes {
    public static final List<String> NAMES = List.of("reference", "paper", "fast");

    private Recipes() {
    }

    public static TrainConfig apply(String name, TrainConfig c) {
        switch (name.toLowerCase(Locale.ROOT)) {
            case "reference":
                return c;
            case "paper":
                return c.model("resnet20").lr(0.1).momentum(0.9).weightDecay(1e-4).batchSize(128).valSplit(5000)
                        .schedule("multistep").milestoneSteps(List.of(32_000L, 48_000L)).gamma(0.1).epochs(182);
            case "fast":
                return c.model("resnet9").batchSize(512).nesterov(true).momentum(0.9).lr(0.4).weightDecay(5e-4)
                        .schedule("onecycle").pctStart(0.2).labelSmoothing(0.2).precision("bf16").epochs(12)
                        .evalTta(true).evalBatchSize(512);
            default:
                throw new IllegalArgumentException("unknown recipe '" + name + "' (expected one of "
                        + String.join(", ", NAMES) + ")");
        }
    }
}
