package org.resnet4j.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.resnet4j.train.FineTuningTest.changed;
import static org.resnet4j.train.TrainerTest.tiny;
import static org.resnet4j.train.TrainerTest.withoutTiming;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnet4j.engine.Engine;
import org.resnet4j.io.ModelLoader;
import org.resnet4j.io.StateDict;
import org.resnet4j.model.ResNet;
import org.resnet4j.model.ResNets;

/** The moving average against timm's ModelEmaV3 arithmetic, recomputed in float64, and through whole runs. */
class ModelEmaTest {
    @TempDir
    Path dir;

    @Test
    void followsTimmsFormulaWithItsDecaySchedule() {
        for (boolean warmup : new boolean[] {false, true}) {
            for (int every : new int[] {1, 3}) {
                Engine.seed(5);
                ResNet net = ResNets.create("resnet20");
                ModelEma ema = new ModelEma(net, 0.9, warmup, every);
                Map<String, Tensor> want = new LinkedHashMap<>();
                int emaUpdates = 0;
                for (long u = 1; u <= 9; u++) {
                    try (NoGradGuard g = new NoGradGuard()) { // an "optimiser step": every tensor moves
                        StateDict.of(net).forEach((k, v) -> {
                            if (v.is_floating_point()) {
                                v.add_(torch.randn_like(v).mul_(new Scalar(0.1)));
                            } else {
                                v.add_(new Scalar(1L));
                            }
                        });
                    }
                    ema.afterUpdate(net, u);
                    if (u % every != 0) {
                        continue;
                    }
                    emaUpdates++;
                    // timm: get_decay(step) = 0 at the first update, then decay (warm-up: min(decay, 1-(1+s)^-2/3))
                    long s = emaUpdates - 1;
                    double d = s == 0 ? 0 : warmup ? Math.min(0.9, 1 - Math.pow(1 + s, -2.0 / 3)) : 0.9;
                    assertThat(ema.decayAt(emaUpdates)).isCloseTo(d, within(1e-15));
                    StateDict.of(net).forEach((k, v) -> {
                        Tensor w = v.to(ScalarType.Double);
                        Tensor before = want.get(k);
                        want.put(k, before == null || !v.is_floating_point() ? w
                                : before.mul(new Scalar(d)).add_(w.mul(new Scalar(1 - d))));
                    });
                }
                Map<String, Tensor> got = StateDict.of(ema.model());
                assertThat(got.keySet()).containsExactlyElementsOf(want.keySet());
                String name = "warmup " + warmup + ", every " + every;
                want.forEach((k, v) -> assertThat(got.get(k).to(ScalarType.Double).sub(v).abs().max().item_double())
                        .as(name + ": " + k).isLessThan(1e-5));
                assertThat(got.get("bn1.num_batches_tracked").item_long()).as(name).isEqualTo(9);
            }
        }
        assertThat(new ModelEma(ResNets.create("resnet20"), 0.99998, true, 1).decayAt(1_000_000_000L))
                .isEqualTo(0.99998);
        assertThatThrownBy(() -> tiny("--ema-decay", "1")).hasMessageContaining("--ema-decay must be in [0, 1)");
        assertThatThrownBy(() -> tiny("--ema-every", "0")).hasMessageContaining("--ema-every must be at least 1");
    }

    /**
     * torchvision's train.py through a warm-up: AveragedModel copies while its {@code n_averaged} is 0, and the
     * counter is reset after every update of the warm-up epochs, so the average follows the weights until the first
     * update after the warm-up and averages from there.
     */
    @Test
    void copiesTheWeightsThroughTheWarmUpAsTorchvision() {
        for (int every : new int[] {1, 2}) {
            long warmupUpdates = 5;
            Engine.seed(6);
            ResNet net = ResNets.create("resnet20");
            ModelEma ema = new ModelEma(net, 0.8, false, every, warmupUpdates);
            Map<String, Tensor> want = new LinkedHashMap<>();
            long nAveraged = 0;
            for (long u = 1; u <= 12; u++) {
                try (NoGradGuard g = new NoGradGuard()) {
                    StateDict.of(net).forEach((k, v) -> {
                        if (v.is_floating_point()) {
                            v.add_(torch.randn_like(v).mul_(new Scalar(0.1)));
                        }
                    });
                }
                ema.afterUpdate(net, u);
                if (u % every != 0) {
                    continue;
                }
                boolean copy = nAveraged == 0;
                StateDict.of(net).forEach((k, v) -> {
                    Tensor w = v.to(ScalarType.Double);
                    Tensor before = want.get(k);
                    want.put(k, copy || !v.is_floating_point() ? w
                            : before.mul(new Scalar(0.8)).add_(w.mul(new Scalar(0.2))));
                });
                nAveraged++;
                if (u <= warmupUpdates) { // epoch < lr_warmup_epochs
                    nAveraged = 0;
                }
                Map<String, Tensor> got = StateDict.of(ema.model());
                String at = "every " + every + ", update " + u + ": ";
                want.forEach((k, v) -> assertThat(got.get(k).to(ScalarType.Double).sub(v).abs().max().item_double())
                        .as(at + k).isLessThan(1e-5));
                boolean followsWeights = !changed(StateDict.of(net), got).contains("conv1.weight");
                assertThat(followsWeights).as("update " + u).isEqualTo(u <= warmupUpdates + every);
            }
        }
        assertThatThrownBy(() -> tiny("--ema-copy-warmup")).hasMessageContaining("--ema-copy-warmup needs --ema-decay");
    }

    @Test
    void isEvaluatedEachEpochCheckpointedAndResumed() throws IOException {
        String[] recipe = {"--ema-decay", "0.6", "--ema-warmup", "--epochs", "3"};
        Trainer wt = TrainSetup.start(tiny(recipe), dir.resolve("whole"), TrainListener.NONE);
        TrainResult whole = wt.run();
        List<String> csv = Files.readAllLines(dir.resolve("whole/metrics.csv"));
        assertThat(csv.get(0)).endsWith(",ema_test_loss,ema_test_acc");
        assertThat(whole.history()).allMatch(MetricsRow::hasEma);
        assertThat(whole.history().get(2).referenceLines(3)[2]).startsWith("EMA Test Loss: ");
        Checkpoint.Contents last = Checkpoint.read(dir.resolve("whole/last.ckpt"));
        assertThat(last.ema()).containsOnlyKeys(last.model().keySet());
        assertThat(changed(last.model(), last.ema())).contains("fc.weight", "conv1.weight");
        // eval, export, features and predict take the average with --use-ema, as timm's validate.py
        assertThat(changed(last.ema(), StateDict.of(ModelLoader.load(dir.resolve("whole/last.ckpt"), null, true)
                .net()))).isEmpty();
        assertThat(changed(last.model(), StateDict.of(ModelLoader.load(dir.resolve("whole/last.ckpt"), null)
                .net()))).isEmpty();
        TrainSetup.start(tiny("--epochs", "1", "--max-steps", "1"), dir.resolve("plain"), TrainListener.NONE).run();
        assertThatThrownBy(() -> ModelLoader.load(dir.resolve("plain/last.ckpt"), null, true))
                .hasMessageContaining("holds no moving average of the weights");

        AtomicReference<Trainer> t = new AtomicReference<>();
        t.set(TrainSetup.start(tiny(recipe), dir.resolve("split"), new TrainListener() {
            @Override
            public void stepDone(int epoch, int batch, int batches, double l, double a, double ips) {
                if (epoch == 2 && batch == 2) {
                    t.get().requestStop();
                }
            }
        }));
        t.get().run();
        Trainer resumed = TrainSetup.resume(dir.resolve("split"), TrainListener.NONE, c -> c);
        TrainResult rest = resumed.run();
        assertThat(withoutTiming(rest.history())).isEqualTo(withoutTiming(whole.history()));
        assertThat(changed(StateDict.of(wt.parts().step().ema().model()),
                StateDict.of(resumed.parts().step().ema().model()))).isEmpty();
    }
}
