package org.resnet4j.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.resnet4j.train.TrainerTest.tiny;
import static org.resnet4j.train.TrainerTest.withoutTiming;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import org.bytedeco.pytorch.OptimizerParamGroupVector;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnet4j.io.StateDict;
import org.resnet4j.model.Freeze;
import org.resnet4j.model.ResNet;

/** --freeze, --head-lr and --unfreeze-at through whole runs. */
class FineTuningTest {
    @TempDir
    Path dir;

    static Map<String, Tensor> copy(ResNet net) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        StateDict.of(net).forEach((k, v) -> out.put(k, v.clone()));
        return out;
    }

    static List<String> changed(Map<String, Tensor> before, Map<String, Tensor> after) {
        List<String> out = new ArrayList<>();
        before.forEach((k, v) -> {
            if (!torch.equal(v, after.get(k))) {
                out.add(k);
            }
        });
        return out;
    }

    @Test
    void theFrozenPartStaysBitIdenticalWithItsBatchNormStatisticsWhileTheRestTrains() throws IOException {
        // a large weight decay would move frozen weights at once if they were in the optimiser
        Trainer t = TrainSetup.start(tiny("--freeze", "layer2", "--weight-decay", "0.1", "--epochs", "1"),
                dir.resolve("run"), TrainListener.NONE);
        Map<String, Tensor> before = copy(t.model());
        t.run();
        List<String> moved = changed(before, StateDict.of(t.model()));
        Freeze layer2 = Freeze.parse("layer2");
        assertThat(moved).noneMatch(layer2::covers);
        assertThat(moved).contains("fc.weight", "fc.bias", "layer3.0.conv1.weight", "layer3.2.bn2.running_mean",
                "layer3.2.bn2.weight");
        assertThat(before.keySet().stream().filter(k -> !layer2.covers(k))
                .filter(k -> !k.endsWith("num_batches_tracked"))).allMatch(moved::contains);
        // the optimiser holds exactly the parameters that train
        long inOptimizer = 0;
        OptimizerParamGroupVector groups = t.parts().optimizer().param_groups();
        for (long i = 0; i < groups.size(); i++) {
            inOptimizer += groups.get(i).params().size();
        }
        assertThat(inOptimizer).isEqualTo(before.keySet().stream().filter(k -> !layer2.covers(k))
                .filter(k -> !k.contains("running_") && !k.endsWith("num_batches_tracked")).count());
    }

    @Test
    void everyGroupFollowsTheScheduleAtItsOwnScale() throws IOException {
        AtomicReference<Trainer> t = new AtomicReference<>();
        List<String> wrong = new ArrayList<>();
        t.set(TrainSetup.start(tiny("--freeze", "stem", "--head-lr", "0.5", "--lr", "0.05", "--schedule", "cosine",
                "--warmup-epochs", "1", "--no-decay-bn-bias"), dir.resolve("run"), new TrainListener() {
                    @Override
                    public void afterStep(long step, TrainStep.Outcome o) {
                        double lr = t.get().parts().schedule().lr(step - 1);
                        OptimizerParamGroupVector g = t.get().parts().optimizer().param_groups();
                        // body with decay, body without, head with decay, head without
                        double[] want = {lr, lr, 10 * lr, 10 * lr};
                        for (int i = 0; i < 4; i++) {
                            double got = g.get(i).options().get_lr();
                            if (Math.abs(got - want[i]) > 1e-12 * want[i]) {
                                wrong.add("step " + step + " group " + i + ": " + got + " not " + want[i]);
                            }
                        }
                    }
                }));
        assertThat(t.get().parts().optimizer().param_groups().size()).isEqualTo(4);
        t.get().run();
        assertThat(wrong).isEmpty();
    }

    @Test
    void unfreezeAtReleasesTheBackboneAndAResumeAcrossItRepeatsTheWholeRun() throws IOException {
        String[] recipe = {"--freeze", "backbone", "--unfreeze-at", "1", "--epochs", "3"};
        List<String> messages = new ArrayList<>();
        AtomicReference<Map<String, Tensor>> afterEpoch1 = new AtomicReference<>();
        AtomicReference<Trainer> w = new AtomicReference<>();
        w.set(TrainSetup.start(tiny(recipe), dir.resolve("whole"), new TrainListener() {
            @Override
            public void message(String m) {
                messages.add(m);
            }

            @Override
            public void epochEnded(MetricsRow row, String[] lines) {
                if (row.epoch() == 1) {
                    afterEpoch1.set(copy(w.get().model()));
                }
            }
        }));
        Map<String, Tensor> start = copy(w.get().model());
        TrainResult whole = w.get().run();
        assertThat(changed(start, afterEpoch1.get())).containsExactlyInAnyOrder("fc.weight", "fc.bias");
        assertThat(changed(afterEpoch1.get(), StateDict.of(w.get().model()))).contains("conv1.weight",
                "layer1.0.bn1.running_var", "layer3.2.conv2.weight", "fc.weight");
        assertThat(messages).contains("epoch 2: backbone unfrozen, trained from now on");

        for (int stopEpoch : new int[] {1, 2}) { // stopped before the release, and after it
            Path split = dir.resolve("split" + stopEpoch);
            AtomicReference<Trainer> t = new AtomicReference<>();
            t.set(TrainSetup.start(tiny(recipe), split, new TrainListener() {
                @Override
                public void stepDone(int epoch, int batch, int batches, double l, double a, double ips) {
                    if (epoch == stopEpoch && batch == 3) {
                        t.get().requestStop();
                    }
                }
            }));
            assertThat(t.get().run().status()).isEqualTo(TrainResult.Status.STOPPED);
            Trainer resumed = TrainSetup.resume(split, TrainListener.NONE, c -> c);
            TrainResult rest = resumed.run();
            assertThat(withoutTiming(rest.history())).as("stopped in epoch " + stopEpoch)
                    .isEqualTo(withoutTiming(whole.history()));
            assertThat(changed(StateDict.of(w.get().model()), StateDict.of(resumed.model()))).isEmpty();
        }
    }

    @Test
    void badFineTuningSettingsAreRefused() {
        assertThatThrownBy(() -> TrainSetup.start(tiny("--freeze", "layer4"), dir.resolve("r"), TrainListener.NONE))
                .hasMessageContaining("resnet20 has 3 stages");
        assertThatThrownBy(() -> tiny("--unfreeze-at", "2")).hasMessageContaining("--unfreeze-at needs a --freeze");
        assertThatThrownBy(() -> tiny("--head-lr", "0")).hasMessageContaining("--head-lr must be positive");
        assertThatThrownBy(() -> tiny("--freeze", "everything")).hasMessageContaining("is not none, stem");
        assertThat(dir.resolve("r")).doesNotExist();
    }
}
