package org.resnet4j.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Optimizer;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnet4j.engine.Engine;
import org.resnet4j.io.StateDict;
import org.resnet4j.model.ModelOptions;
import org.resnet4j.model.ResNet;
import org.resnet4j.model.ResNets;
import org.resnet4j.testing.Cli;

/**
 * A diverging run never writes, resumes from or reports a non-finite state: it stops naming the file that holds the
 * last good state, or (--on-nonfinite skip) passes over the step without changing the weights.
 */
class NonFiniteTest {
    @TempDir
    Path dir;

    /** resnet20 on 64 synthetic 16x16 images of 4 classes, 4 steps an epoch: the cases of issue 11. */
    private static final List<String> SMALL = List.of("--model", "resnet20", "--dataset", "synthetic",
            "--synthetic-size", "64", "--synthetic-classes", "4", "--image-size", "16", "--batch-size", "16", "--seed",
            "1", "--threads", "1", "--deterministic", "--epochs", "8");

    private static TrainConfig small(String... more) {
        return TrainConfig.reference().with(SMALL.toArray(String[]::new)).with(more);
    }

    private static Cli.Result train(Path out, String... more) {
        List<String> args = new ArrayList<>(List.of("train", "--out", out.toString()));
        args.addAll(SMALL);
        args.addAll(List.of(more));
        return Cli.run(args.toArray(String[]::new));
    }

    /** Every checkpoint in the folder holds finite values only. */
    private static void assertCheckpointsFinite(Path run) throws IOException {
        for (String f : RunDirectory.CHECKPOINTS) {
            if (Files.exists(run.resolve(f))) {
                Checkpoint.Contents c = Checkpoint.read(run.resolve(f));
                assertThat(NonFinite.firstIn(c.model())).as(f).isNull();
                assertThat(NonFinite.inOptimizerState(c.optimizer())).as(f).isNull();
            }
        }
    }

    @Test
    void aHugeLearningRateStopsBeforeAnyNonFiniteStateIsSaved() throws IOException {
        Path run = dir.resolve("lr1e6");
        Cli.Result r = train(run, "--lr", "1e6");
        assertThat(r.exit()).isEqualTo(1);
        // BatchNorm's running variance overflows before the loss turns NaN: caught at that step
        assertThat(r.errorLines()).singleElement().asString().startsWith("resnet4j train: error: BatchNorm statistics")
                .contains("became non-finite at epoch 1, step 3 (lr 1.00000e+06); stopped without saving this state;"
                        + " no checkpoint had been written yet", "--on-nonfinite skip");
        assertThat(run.resolve("last.ckpt")).doesNotExist();
        assertThat(Files.readString(run.resolve("train.log"))).contains("stopped: BatchNorm statistics");
    }

    @Test
    void aSlowlyRampingLearningRateStopsAtTheFirstNonFiniteTestLoss() throws IOException {
        Path run = dir.resolve("ramp");
        AtomicReference<String> message = new AtomicReference<>();
        assertThatThrownBy(() -> TrainSetup.start(small("--lr", "10", "--schedule", "cosine", "--warmup-epochs", "8"),
                run, TrainListener.NONE).run()).isInstanceOf(DivergenceException.class)
                .satisfies(e -> message.set(e.getMessage()));
        Checkpoint.Contents last = Checkpoint.read(run.resolve("last.ckpt"));
        int done = last.state().history.size();
        assertThat(done).isGreaterThanOrEqualTo(1);
        assertThat(message.get()).startsWith("the test loss became").contains("after epoch " + (done + 1),
                "the last good state is in " + run.resolve("last.ckpt") + " (after epoch " + done + ", step "
                        + 4 * done + ")");
        assertCheckpointsFinite(run);
        assertThat(Files.readAllLines(run.resolve("metrics.csv"))).hasSize(done + 1); // no row for the bad epoch
        assertThat(last.state().history).allSatisfy(m -> assertThat(m.testLoss()).isFinite());
    }

    @Test
    void noCheckpointIsWrittenFromANonFiniteStateEvenAtAnInterrupt() throws IOException {
        Path run = dir.resolve("stats");
        AtomicReference<Trainer> t = new AtomicReference<>();
        t.set(TrainSetup.start(small("--max-steps", "6"), run, new TrainListener() {
            @Override
            public void afterStep(long step, TrainStep.Outcome outcome) {
                if (step == 6) { // the last step before the max-steps checkpoint
                    try (PointerScope s = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
                        StateDict.of(t.get().model()).get("layer2.1.bn2.running_var")
                                .fill_(new Scalar(Double.POSITIVE_INFINITY));
                    }
                }
            }
        }));
        assertThatThrownBy(() -> t.get().run()).isInstanceOf(DivergenceException.class).hasMessageStartingWith(
                "layer2.1.bn2.running_var became non-finite, found at the maximum steps reached checkpoint (step 6);"
                        + " stopped without saving this state; the last good state is in " + run.resolve("last.ckpt")
                        + " (after epoch 1, step 4)");
        assertThat(Checkpoint.read(run.resolve("last.ckpt")).state().step).isEqualTo(4);
        assertCheckpointsFinite(run);
    }

    @Test
    void skippingPassesOverANonFiniteStepWithoutUpdatingAndCountsIt() throws IOException {
        for (OnNonFinite policy : OnNonFinite.values()) {
            Path run = dir.resolve(policy.toString());
            AtomicReference<Trainer> t = new AtomicReference<>();
            Map<String, Tensor> before = new LinkedHashMap<>();
            t.set(TrainSetup.start(small("--epochs", "2", "--on-nonfinite", policy.toString()), run,
                    new TrainListener() {
                        @Override
                        public void beforeStep(long step) {
                            try (NoGradGuard g = new NoGradGuard()) {
                                Map<String, Tensor> now = StateDict.of(t.get().model());
                                if (step == 5) { // a batch whose loss is NaN: an infinite logit
                                    now.forEach((k, v) -> before.put(k, v.clone()));
                                    now.get("fc.bias").fill_(new Scalar(Double.POSITIVE_INFINITY));
                                } else if (step == 6) {
                                    now.forEach((k, v) -> {
                                        if (!k.equals("fc.bias")) {
                                            assertThat(v.equal(before.get(k))).as(k + " unchanged").isTrue();
                                        }
                                    });
                                    now.get("fc.bias").copy_(before.get("fc.bias"));
                                }
                            }
                        }
                    }));
            if (policy == OnNonFinite.STOP) {
                assertThatThrownBy(() -> t.get().run()).hasMessageStartingWith("the loss became NaN at epoch 2, step 6")
                        .hasMessageContaining("--on-nonfinite skip");
                continue;
            }
            TrainResult r = t.get().run();
            assertThat(r.status()).isEqualTo(TrainResult.Status.COMPLETED);
            assertThat(r.skippedSteps()).isEqualTo(1);
            assertThat(r.history().get(1).trainLoss()).isFinite();
            assertThat(Files.readString(run.resolve("train.log"))).contains(
                    "skipped: the loss became NaN at epoch 2, step 6",
                    "epoch 2: 1 of 4 steps skipped for non-finite values (1 in the run)");
            assertThat(Checkpoint.read(run.resolve("last.ckpt")).state().skippedSteps).isEqualTo(1);
        }
    }

    @Test
    void skippingRestoresBatchNormStatisticsAndStopsWhenEveryStepIsBad() throws IOException {
        Path run = dir.resolve("skip1e6");
        Cli.Result r = train(run, "--lr", "1e6", "--on-nonfinite", "skip");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("skipped: BatchNorm statistics");
        assertThat(r.errorLines()).singleElement().asString().contains("stopped without saving this state")
                .doesNotContain("--on-nonfinite skip");
        assertCheckpointsFinite(run);
    }

    @Test
    void theOptimizerStateIsCheckedToo() {
        Engine.start();
        ResNet net = ResNets.create(ModelOptions.of("resnet20").withClasses(4));
        Optimizer sgd = Optimizers.sgd(net, 0.1, 0.9, 0);
        try (PointerScope s = new PointerScope()) {
            assertThat(NonFinite.inOptimizerState(Optimizers.state(sgd))).isNull(); // no step yet
            net.forward(torch.randn(2, 3, 16, 16)).sum().backward();
            sgd.step();
            assertThat(NonFinite.inOptimizerState(Optimizers.state(sgd))).isNull();
            StateDict.of(net).get("fc.weight").grad().mul_(new Scalar(Double.NaN));
            sgd.step();
            assertThat(NonFinite.inOptimizerState(Optimizers.state(sgd))).isEqualTo("momentum_buffer");
            assertThat(NonFinite.firstIn(StateDict.of(net))).isEqualTo("fc.weight");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
