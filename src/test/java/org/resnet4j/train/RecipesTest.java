package org.resnet4j.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

class RecipesTest {
    @Test
    void thePaperRecipeIsSection42() {
        TrainConfig c = Recipes.apply("paper", new TrainConfig()).validate();
        assertThat(c.model()).isEqualTo("resnet20");
        assertThat(c.lr()).isEqualTo(0.1);
        assertThat(c.weightDecay()).isEqualTo(1e-4);
        assertThat(c.momentum()).isEqualTo(0.9);
        assertThat(c.valSplit()).isEqualTo(5000);
        assertThat(c.milestoneSteps()).containsExactly(32_000L, 48_000L);
        // 45,000 images in batches of 128: 352 steps an epoch, so 182 epochs are the paper's 64k iterations
        assertThat(c.epochs() * 352L).isBetween(64_000L, 64_500L);
        LrSchedule s = LrSchedule.of(c, 352);
        assertThat(s.lr(31_999)).isEqualTo(0.1);
        assertThat(s.lr(32_000)).isCloseTo(0.01, org.assertj.core.data.Offset.offset(1e-15));
        assertThat(s.lr(48_000)).isCloseTo(0.001, org.assertj.core.data.Offset.offset(1e-15));
        assertThat(Recipes.apply("reference", new TrainConfig()).toJson()).isEqualTo(new TrainConfig().toJson());
        assertThatThrownBy(() -> Recipes.apply("turbo", new TrainConfig())).hasMessageContaining("unknown recipe");
        TrainConfig fast = Recipes.apply("fast", new TrainConfig()).validate();
        assertThat(fast.model()).isEqualTo("resnet9");
        assertThat(fast.recipe()).contains("one-cycle", "label smoothing 0.2", "bf16",
                "flip-TTA evaluation");
    }

    @Test
    void schedulesFollowPyTorchsFormulas() {
        TrainConfig c = new TrainConfig().lr(0.4).epochs(10);
        LrSchedule cosine = LrSchedule.of(c.copy().schedule("cosine").minLr(0.0), 100);
        assertThat(cosine.lr(0)).isEqualTo(0.4);
        assertThat(cosine.lr(500)).isCloseTo(0.2, org.assertj.core.data.Offset.offset(1e-12));
        LrSchedule warm = LrSchedule.of(c.copy().schedule("cosine").warmupEpochs(1), 100);
        assertThat(warm.lr(0)).isCloseTo(0.004, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(warm.lr(99)).isCloseTo(0.4, org.assertj.core.data.Offset.offset(1e-12));
        // OneCycleLR(max_lr=0.4, total_steps=1000, pct_start=0.3): starts at max/25, peaks at step 299
        LrSchedule one = LrSchedule.of(c.copy().schedule("onecycle"), 100);
        assertThat(one.lr(0)).isCloseTo(0.016, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(one.lr(299)).isCloseTo(0.4, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(one.lr(999)).isCloseTo(0.016 / 1e4, org.assertj.core.data.Offset.offset(1e-12));
        LrSchedule multi = LrSchedule.of(c.copy().schedule("multistep").milestones(List.of(2.0, 5.5)), 100);
        assertThat(multi.lr(199)).isEqualTo(0.4);
        assertThat(multi.lr(200)).isCloseTo(0.04, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(multi.lr(550)).isCloseTo(0.004, org.assertj.core.data.Offset.offset(1e-12));
    }
}
