package org.resnet4j.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

class RecipeTest {
    private static final Offset<Double> EXACT = Offset.offset(1e-12);

    @Test
    void thePaperRecipeIsSection42() {
        TrainConfig c = Recipe.PAPER.applyTo(TrainConfig.reference());
        assertThat(c.model().model()).isEqualTo("resnet20");
        assertThat(c.optim().lr()).isEqualTo(0.1);
        assertThat(c.optim().weightDecay()).isEqualTo(1e-4);
        assertThat(c.optim().momentum()).isEqualTo(0.9);
        assertThat(c.data().valSplit()).isEqualTo(5000);
        assertThat(c.schedule().milestoneSteps()).containsExactly(32_000L, 48_000L);
        // 45,000 images in batches of 128: 352 steps an epoch, so 182 epochs are the paper's 64k iterations
        assertThat(c.run().epochs() * 352L).isBetween(64_000L, 64_500L);
        LrSchedule s = LrSchedule.of(c.schedule(), c.optim().lr(), c.run().epochs(), 352);
        assertThat(s.lr(31_999)).isEqualTo(0.1);
        assertThat(s.lr(32_000)).isCloseTo(0.01, Offset.offset(1e-15));
        assertThat(s.lr(48_000)).isCloseTo(0.001, Offset.offset(1e-15));
        assertThat(Recipe.REFERENCE.applyTo(TrainConfig.reference())).isEqualTo(TrainConfig.reference());
        assertThatThrownBy(() -> Recipe.parse("turbo")).hasMessageContaining("unknown recipe");
        TrainConfig fast = Recipe.parse("FAST").applyTo(TrainConfig.reference());
        assertThat(fast.model().model()).isEqualTo("resnet9");
        assertThat(fast.describe()).contains("one-cycle", "label smoothing 0.2", "bf16", "flip-TTA evaluation");
    }

    @Test
    void theImagenetRecipeIsTorchvisionsResNet50V2() {
        TrainConfig c = Recipe.parse("imagenet").applyTo(TrainConfig.reference());
        assertThat(c.model().model()).isEqualTo("imagenet_resnet50");
        assertThat(c.run().epochs()).isEqualTo(600);
        assertThat(c.optim().weightDecay()).isEqualTo(2e-5);
        assertThat(c.optim().noDecayBnBias()).isTrue();
        assertThat(c.optim().labelSmoothing()).isEqualTo(0.1);
        assertThat(c.augment().mixup()).isEqualTo(0.2);
        assertThat(c.augment().cutmix()).isEqualTo(1.0);
        assertThat(c.augment().trivialAugment()).isTrue();
        assertThat(c.augment().randomErasing()).isEqualTo(0.1);
        assertThat(c.optim().emaEvery()).isEqualTo(32);
        assertThat(c.optim().emaCopyWarmup()).isTrue();
        assertThat(c.augment().repetitions()).isEqualTo(4);
        assertThat(c.data().trainCrop()).isEqualTo(176);
        assertThat(c.data().evalResize()).isEqualTo(232);
        // torchvision's train.py: alpha = (1 - decay) * batch * world * ema_steps / epochs, decay = 1 - alpha
        assertThat(c.optim().emaDecay()).isCloseTo(1 - 2e-5 * 1024 * 32 / 600, Offset.offset(1e-12));
        // lr 0.5 for 1024 images, linearly: 128 a step gives 0.0625, 256 x 4 accumulated gives 0.5
        assertThat(c.lr()).isCloseTo(0.0625, EXACT);
        assertThat(c.with("--batch-size", "256", "--accumulate", "4").lr()).isCloseTo(0.5, EXACT);
        assertThat(c.with("--lr", "0.8").lr()).isCloseTo(0.1, EXACT);
        // cosine after 5 warm-up epochs rising linearly from 0.01x (LinearLR(start_factor=0.01) + CosineAnnealingLR)
        LrSchedule s = LrSchedule.of(c.schedule(), c.lr(), c.run().epochs(), 100);
        assertThat(s.lr(0)).isCloseTo(0.0625 * 0.01, EXACT);
        assertThat(s.lr(250)).isCloseTo(0.0625 * (0.01 + 0.99 * 0.5), EXACT);
        assertThat(s.lr(500)).isCloseTo(0.0625, EXACT);
        assertThat(s.lr(500 + 59_500 / 2)).isCloseTo(0.0625 / 2, EXACT);
        assertThat(c.describe()).contains("cosine", "warm-up 5.0 epochs");
        assertThatThrownBy(() -> c.with("--warmup-start-factor", "0")).hasMessageContaining("(0, 1]");
    }

    @Test
    void schedulesFollowPyTorchsFormulas() {
        TrainConfig c = TrainConfig.reference().with("--lr", "0.4", "--epochs", "10");
        LrSchedule cosine = schedule(c.with("--schedule", "cosine", "--min-lr", "0"));
        assertThat(cosine.lr(0)).isEqualTo(0.4);
        assertThat(cosine.lr(500)).isCloseTo(0.2, EXACT);
        LrSchedule warm = schedule(c.with("--schedule", "cosine", "--warmup-epochs", "1"));
        assertThat(warm.lr(0)).isCloseTo(0.004, EXACT);
        assertThat(warm.lr(99)).isCloseTo(0.4, EXACT);
        // OneCycleLR(max_lr=0.4, total_steps=1000, pct_start=0.3): starts at max/25, peaks at step 299
        LrSchedule one = schedule(c.with("--schedule", "onecycle"));
        assertThat(one.lr(0)).isCloseTo(0.016, EXACT);
        assertThat(one.lr(299)).isCloseTo(0.4, EXACT);
        assertThat(one.lr(999)).isCloseTo(0.016 / 1e4, EXACT);
        LrSchedule multi = schedule(c.with("--schedule", "multistep", "--milestones", "2,5.5"));
        assertThat(multi.lr(199)).isEqualTo(0.4);
        assertThat(multi.lr(200)).isCloseTo(0.04, EXACT);
        assertThat(multi.lr(550)).isCloseTo(0.004, EXACT);
    }

    private static LrSchedule schedule(TrainConfig c) {
        return LrSchedule.of(c.schedule(), c.optim().lr(), c.run().epochs(), 100);
    }
}
