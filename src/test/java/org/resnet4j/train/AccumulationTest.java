package org.resnet4j.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.resnet4j.train.FineTuningTest.changed;
import static org.resnet4j.train.FineTuningTest.copy;
import static org.resnet4j.train.TrainerTest.tiny;
import static org.resnet4j.train.TrainerTest.withoutTiming;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import org.bytedeco.pytorch.Optimizer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnet4j.engine.Engine;
import org.resnet4j.engine.Precision;
import org.resnet4j.engine.Tensors;
import org.resnet4j.io.StateDict;
import org.resnet4j.model.ResNet;
import org.resnet4j.model.ResNets;

/** --accumulate and --checkpoint-every. */
class AccumulationTest {
    @TempDir
    Path dir;

    @Test
    void twoMicroBatchesOfFourUpdateAsOneBatchOfEight() {
        Engine.seed(11);
        ResNet a = ResNets.create("resnet20");
        ResNet b = ResNets.create("resnet20");
        StateDict.load(b, copy(a), true);
        a.eval(); // BatchNorm in eval mode: each image's gradient does not depend on the rest of its batch
        b.eval();
        Optimizer sgdA = Optimizers.sgd(a, 0.1, 0.9, 1e-3);
        Optimizer sgdB = Optimizers.sgd(b, 0.1, 0.9, 1e-3);
        TrainStep accumulating = new TrainStep(a, ParamGroups.of(sgdA),
                new TrainStep.Options(Precision.FP32, 0.1, 0, 2, null), OnNonFinite.STOP);
        TrainStep whole = new TrainStep(b, sgdB, Precision.FP32, 0.1, 0);
        for (int round = 0; round < 3; round++) { // momentum buffers take part from the second round on
            Tensor x = torch.randn(8, 3, 16, 16);
            Tensor y = Tensors.fromLongs(new long[] {0, 1, 2, 3, 4, 5, 6, 7}, 8);
            assertThat(accumulating.run(x.narrow(0, 0, 4), y.narrow(0, 0, 4), 0.01, 2 * round,
                    new TrainStep.Window(true, false)).nonFinite()).isNull();
            Map<String, Tensor> mid = copy(a);
            assertThat(accumulating.run(x.narrow(0, 4, 4), y.narrow(0, 4, 4), 0.01, 2 * round + 1,
                    new TrainStep.Window(false, true)).nonFinite()).isNull();
            assertThat(changed(mid, StateDict.of(a))).isNotEmpty();
            assertThat(whole.run(x, y, 0.01).nonFinite()).isNull();
        }
        Map<String, Tensor> pa = StateDict.of(a);
        StateDict.of(b).forEach((k, v) -> assertThat(v.sub(pa.get(k)).abs().max().item_double()).as(k)
                .isLessThan(1e-5));
    }

    @Test
    void windowsCloseEveryNBatchesAndAtTheEpochsEnd() {
        TrainStep s = new TrainStep(ResNets.create("resnet20"), ParamGroups.of(Optimizers.sgd(
                ResNets.create("resnet20"), 0.1, 0, 0)), new TrainStep.Options(Precision.FP32, 0, 0, 2, null),
                OnNonFinite.STOP);
        List<TrainStep.Window> w = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            w.add(s.window(i, 5));
        }
        assertThat(w).containsExactly(new TrainStep.Window(true, false), new TrainStep.Window(false, true),
                new TrainStep.Window(true, false), new TrainStep.Window(false, true), new TrainStep.Window(true, true));
        assertThat(s.updatesPerEpoch(5)).isEqualTo(3);
        assertThatThrownBy(() -> tiny("--accumulate", "0")).hasMessageContaining("--accumulate must be at least 1");
        assertThatThrownBy(() -> tiny("--checkpoint-every", "-1")).hasMessageContaining("cannot be negative");
    }

    @Test
    void theScheduleCountsOptimiserSteps() throws IOException {
        // 6 batches an epoch in windows of 4: updates after batches 4 and 6 of each epoch, 4 in two epochs
        AtomicReference<Trainer> t = new AtomicReference<>();
        List<Double> want = new ArrayList<>();
        List<Double> got = new ArrayList<>();
        t.set(TrainSetup.start(tiny("--accumulate", "4", "--schedule", "cosine"), dir.resolve("run"),
                new TrainListener() {
                    @Override
                    public void afterStep(long step, TrainStep.Outcome o) {
                        long inEpoch = (step - 1) % 6 + 1;
                        if (inEpoch == 4 || inEpoch == 6) {
                            want.add(t.get().parts().schedule().lr(want.size()));
                            got.add(t.get().parts().optimizer().param_groups().get(0).options().get_lr());
                        }
                    }
                }));
        TrainResult r = t.get().run();
        assertThat(r.steps()).isEqualTo(12);
        assertThat(got).hasSize(4).isEqualTo(want);
        assertThat(t.get().parts().schedule().lr(3)).isPositive();
        assertThat(t.get().parts().schedule().lr(4)).isZero(); // the cosine spans 4 updates, not 12 batches
    }

    @Test
    void aRunKilledAfterAMidEpochCheckpointResumesToTheSameWeights() throws IOException {
        for (String[] recipe : new String[][] {{"--checkpoint-every", "2"},
                {"--checkpoint-every", "1", "--accumulate", "2"}}) {
            String name = String.join("", recipe).replace("-", "");
            Trainer wt = TrainSetup.start(tiny(recipe), dir.resolve(name + "-whole"), TrainListener.NONE);
            TrainResult whole = wt.run();
            List<String> saved = new ArrayList<>();
            Path split = dir.resolve(name + "-split");
            Trainer killed = TrainSetup.start(tiny(recipe), split, new TrainListener() {
                @Override
                public void checkpointSaved(Path path, String why) {
                    saved.add(path.getFileName() + " " + why);
                    if (why.equals("step 10")) {
                        throw new IllegalStateException("killed"); // as a crash: no checkpoint of its own
                    }
                }
            });
            assertThatThrownBy(killed::run).hasMessage("killed");
            assertThat(saved).as(name).contains("last.ckpt step 2", "last.ckpt step 4", "last.ckpt epoch 1",
                    "last.ckpt step 8", "last.ckpt step 10");
            assertThat(Checkpoint.read(split.resolve("last.ckpt")).state().position())
                    .isEqualTo("in epoch 2 at batch 4, step 10");
            assertThat(split.resolve("last.prev.ckpt")).exists();
            Trainer resumed = TrainSetup.resume(split, TrainListener.NONE, c -> c);
            TrainResult rest = resumed.run();
            assertThat(withoutTiming(rest.history())).as(name).isEqualTo(withoutTiming(whole.history()));
            assertThat(changed(StateDict.of(wt.model()), StateDict.of(resumed.model()))).as(name).isEmpty();
            assertThat(Files.readString(split.resolve("train.log"))).contains("step 8");
        }
    }
}
