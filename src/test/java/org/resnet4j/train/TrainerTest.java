package org.resnet4j.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import org.bytedeco.pytorch.NoGradGuard;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnet4j.io.StateDict;
import org.bytedeco.pytorch.Optimizer;
import org.resnet4j.data.Augmentation;
import org.resnet4j.data.DataConfig;
import org.resnet4j.data.DataLoader;
import org.resnet4j.data.DatasetKind;
import org.resnet4j.data.Datasets;
import org.resnet4j.data.Normalization;
import org.resnet4j.engine.Engine;
import org.resnet4j.engine.Precision;
import org.resnet4j.io.ModelLoader;
import org.resnet4j.model.ModelOptions;
import org.resnet4j.model.ResNet;
import org.resnet4j.model.ResNets;

class TrainerTest {
    @TempDir
    Path dir;

    /** resnet20 on 192 synthetic 16x16 images of 4 classes: 6 steps an epoch, seconds per run. */
    static TrainConfig tiny(String... more) {
        return TrainConfig.reference().with("--model", "resnet20", "--dataset", "synthetic", "--synthetic-size", "192",
                "--synthetic-classes", "4", "--image-size", "16", "--batch-size", "32", "--eval-batch-size", "64",
                "--epochs", "2", "--lr", "0.05", "--seed", "3", "--deterministic", "--threads", "2").with(more);
    }

    @Test
    void trainsWritesMetricsCheckpointsAndTheReferenceLines() throws IOException {
        List<String> lines = new ArrayList<>();
        TrainResult r = TrainSetup.start(tiny("--epochs", "3"), dir.resolve("run"), new TrainListener() {
            @Override
            public void epochEnded(MetricsRow row, String[] referenceLines) {
                lines.addAll(List.of(referenceLines));
            }
        }).run();
        assertThat(r.status()).isEqualTo(TrainResult.Status.COMPLETED);
        assertThat(r.history()).hasSize(3);
        assertThat(r.steps()).isEqualTo(18);
        assertThat(r.history().get(2).trainLoss()).isLessThan(r.history().get(0).trainLoss());
        assertThat(lines).hasSize(6);
        assertThat(lines.get(0)).matches("Epoch \\[1/3], Loss: \\d+\\.\\d{4}, Acc: \\d+\\.\\d{2}%");
        assertThat(lines.get(1)).matches("Test Loss: \\d+\\.\\d{4}, Test Acc: \\d+\\.\\d{2}%");
        Path run = dir.resolve("run");
        assertThat(Files.readAllLines(run.resolve("metrics.csv"))).hasSize(4).first()
                .isEqualTo("epoch,lr,train_loss,train_acc,test_loss,test_acc,seconds,images_per_second");
        assertThat(run.resolve("best.ckpt")).exists();
        assertThat(Files.readString(run.resolve("train.log"))).contains("Epoch [3/3]", "checkpoint last.ckpt");
        // a checkpoint is also a weights file that names its model
        ModelLoader.LoadedModel m = ModelLoader.load(run.resolve("last.ckpt"), null);
        assertThat(m.net().options().numClasses()).isEqualTo(4);
        assertThat(m.classNames()).containsExactly("class_0", "class_1", "class_2", "class_3");
        assertThat(TrainConfig.fromJson(Files.readString(run.resolve("config.json"))).run().seed()).isEqualTo(3L);
    }

    @Test
    void aStoppedAndResumedRunRepeatsAnUninterruptedOneExactly() throws IOException {
        TrainResult whole = TrainSetup.start(tiny(), dir.resolve("whole"), TrainListener.NONE).run();

        AtomicReference<Trainer> t = new AtomicReference<>();
        t.set(TrainSetup.start(tiny(), dir.resolve("split"), new TrainListener() {
            @Override
            public void stepDone(int epoch, int batch, int batches, double l, double a, double ips) {
                if (epoch == 1 && batch == 4) {
                    t.get().requestStop(); // mid-epoch, as a SIGINT would
                }
            }
        }));
        TrainResult first = t.get().run();
        assertThat(first.status()).isEqualTo(TrainResult.Status.STOPPED);
        assertThat(first.steps()).isEqualTo(4);
        assertThat(first.history()).isEmpty();

        TrainResult rest = TrainSetup.resume(dir.resolve("split"), TrainListener.NONE, c -> c).run();
        assertThat(rest.status()).isEqualTo(TrainResult.Status.COMPLETED);
        assertThat(rest.steps()).isEqualTo(whole.steps());
        assertThat(withoutTiming(rest.history())).isEqualTo(withoutTiming(whole.history()));
        assertThat(withoutTiming(Files.readAllLines(dir.resolve("split/metrics.csv"))))
                .isEqualTo(withoutTiming(Files.readAllLines(dir.resolve("whole/metrics.csv"))));
    }

    @Test
    void maxStepsStopsWithACheckpointAndResumeCanExtendTheRun() throws IOException {
        TrainResult r = TrainSetup.start(tiny("--max-steps", "8"), dir.resolve("run"), TrainListener.NONE).run();
        assertThat(r.status()).isEqualTo(TrainResult.Status.MAX_STEPS);
        assertThat(r.history()).hasSize(1);
        TrainResult more = TrainSetup.resume(dir.resolve("run"), TrainListener.NONE, c -> c.with("--max-steps", "0", "--epochs", "3")).run();
        assertThat(more.history()).hasSize(3);
        assertThat(more.steps()).isEqualTo(18);
        assertThatThrownBy(() -> TrainSetup.resume(dir.resolve("run"), TrainListener.NONE, c -> c.with("--lr", "1")))
                .hasMessageContaining("a resumed run keeps its recipe");
        assertThatThrownBy(() -> TrainSetup.resume(dir.resolve("run"), TrainListener.NONE, c -> c.with("--epochs", "2")))
                .hasMessageContaining("already finished 3 epochs");
    }

    @Test
    void divergenceStopsTheRunAndLeavesTheLastGoodCheckpoint() throws IOException {
        Path run = dir.resolve("run");
        AtomicReference<Trainer> t = new AtomicReference<>();
        AtomicReference<byte[]> afterEpoch1 = new AtomicReference<>();
        t.set(TrainSetup.start(tiny(), run, new TrainListener() {
            @Override
            public void checkpointSaved(Path path, String why) {
                if (why.equals("epoch 1")) {
                    try {
                        afterEpoch1.set(Files.readAllBytes(path));
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                    try (NoGradGuard g = new NoGradGuard()) {
                        StateDict.of(t.get().model()).get("fc.weight").fill_(new org.bytedeco.pytorch.Scalar(
                                Double.NaN));
                    }
                }
            }
        }));
        assertThatThrownBy(() -> t.get().run()).isInstanceOf(DivergenceException.class)
                .hasMessageContaining("the loss became NaN at epoch 2, step 7")
                .hasMessageContaining("the last good state is in " + run.resolve("last.ckpt") + " (after epoch 1,"
                        + " step 6)");
        assertThat(Files.readAllBytes(run.resolve("last.ckpt"))).isEqualTo(afterEpoch1.get());
        assertThat(Checkpoint.read(run.resolve("last.ckpt")).state().history).hasSize(1);
    }

    @Test
    void aFolderThatHoldsARunIsNeverOverwritten() throws IOException {
        TrainSetup.start(tiny("--epochs", "1"), dir.resolve("run"), TrainListener.NONE).run();
        byte[] metrics = Files.readAllBytes(dir.resolve("run/metrics.csv"));
        assertThatThrownBy(() -> TrainSetup.start(tiny(), dir.resolve("run"), TrainListener.NONE))
                .hasMessageContaining("already holds a run").hasMessageContaining("--resume");
        assertThat(Files.readAllBytes(dir.resolve("run/metrics.csv"))).isEqualTo(metrics);
        assertThatThrownBy(() -> TrainSetup.resume(dir.resolve("nothing"), TrainListener.NONE, c -> c))
                .hasMessageContaining("no such run folder");
    }

    @Test
    void fineTuningGetsANewHeadWhenTheClassCountDiffers() throws IOException {
        TrainSetup.start(tiny("--epochs", "1"), dir.resolve("source"), TrainListener.NONE).run();
        List<String> messages = new ArrayList<>();
        TrainResult r = TrainSetup.start(tiny("--epochs", "1", "--synthetic-classes", "3", "--weights",
                dir.resolve("source/last.ckpt").toString()), dir.resolve("tuned"), new TrainListener() {
                    @Override
                    public void started(List<String> description) {
                        messages.addAll(description);
                    }
                }).run();
        assertThat(r.status()).isEqualTo(TrainResult.Status.COMPLETED);
        assertThat(messages).anySatisfy(m -> assertThat(m).contains("new classifier head for 3 classes (the"
                + " weights had 4)"));
        assertThatThrownBy(() -> TrainSetup.start(tiny("--model", "resnet32", "--weights",
                dir.resolve("source/last.ckpt").toString()), dir.resolve("wrong"), TrainListener.NONE))
                .hasMessageContaining("missing key");
        // a new head does not excuse a backbone that does not fit
        assertThatThrownBy(() -> TrainSetup.start(tiny("--model", "resnet32", "--synthetic-classes", "3", "--weights",
                dir.resolve("source/last.ckpt").toString()), dir.resolve("wrong2"), TrainListener.NONE))
                .hasMessageContaining("missing key(s): layer1.3.conv1.weight");
        assertThat(dir.resolve("wrong2")).doesNotExist();
    }

    @Test
    void aRunThatNeverFinishedAnEpochCanBeStartedAgainAndResumeMayMoveTheData() throws IOException {
        Path run = Files.createDirectories(dir.resolve("crashed"));
        Files.writeString(run.resolve("config.json"), "{}");
        Files.writeString(run.resolve("train.log"), "killed in epoch 1\n");
        TrainResult r = TrainSetup.start(tiny("--epochs", "1"), run, TrainListener.NONE).run();
        assertThat(r.history()).hasSize(1);
        assertThat(Files.readString(run.resolve("train.log"))).startsWith("killed in epoch 1");
        TrainResult more = TrainSetup.resume(run, TrainListener.NONE, c -> c.with("--epochs", "2", "--data-dir", "/elsewhere")).run();
        assertThat(more.history()).hasSize(2);
        Path cosine = dir.resolve("cosine");
        TrainSetup.start(tiny("--epochs", "1", "--schedule", "cosine"), cosine, TrainListener.NONE).run();
        assertThatThrownBy(() -> TrainSetup.resume(cosine, TrainListener.NONE, c -> c.with("--epochs", "3")))
                .hasMessageContaining("its shape depends on the run's length");
    }

    @Test
    void everyRecipeOptionRuns() throws IOException {
        TrainConfig[] variants = {
            tiny("--optimizer", "adamw", "--lr", "1e-3", "--weight-decay", "0.05", "--no-decay-bn-bias"),
            tiny("--nesterov", "--label-smoothing", "0.1", "--grad-clip", "1.0", "--schedule", "cosine",
                    "--warmup-epochs", "0.5"),
            tiny("--schedule", "onecycle", "--precision", "bf16"),
            tiny("--schedule", "multistep", "--milestones", "1", "--cutout", "4", "--val-split", "32"),
        };
        int i = 0;
        for (TrainConfig c : variants) {
            TrainResult r = TrainSetup.start(c, dir.resolve("v" + i++), TrainListener.NONE).run();
            assertThat(r.history()).hasSize(2);
            assertThat(r.last().trainLoss()).isFinite();
        }
        assertThat(Files.readAllLines(dir.resolve("v3/metrics.csv")).get(0)).endsWith(",val_loss,val_acc");
        assertThat(Checkpoint.read(dir.resolve("v3/last.ckpt")).state().history.get(1).lr())
                .isCloseTo(0.005, org.assertj.core.data.Offset.offset(1e-12));
    }

    @Test
    void partsBuiltByHandTrainToo() throws IOException {
        Engine.start();
        Datasets.Splits data = Datasets.forTraining(DataConfig.of(DatasetKind.SYNTHETIC, dir).withImageShape(3, 16, 16)
                .withSynthetic(128, 4), Datasets.Listener.SILENT);
        Engine.seed(1);
        ResNet net = ResNets.create(ModelOptions.of("resnet20").withClasses(4));
        Optimizer sgd = Optimizers.sgd(net, 0.05, 0.9, 5e-4);
        Normalization norm = DatasetKind.SYNTHETIC.normalization(3);
        DataLoader loader = new DataLoader(data.train(), DataLoader.Options.training(32, 1, norm, Augmentation.CIFAR));
        TrainResult r = Trainer.builder(net, sgd, loader).epochs(2).precision(Precision.BF16)
                .schedule(LrSchedule.cosine(0.05, 0, 0, 2L * loader.batchesPerEpoch()))
                .evaluateOn(data.test(), norm).start(dir.resolve("mine")).run();
        assertThat(r.history()).hasSize(2);
        assertThat(r.last().trainLoss()).isFinite();
        assertThat(Checkpoint.read(dir.resolve("mine/last.ckpt")).config()).isNull();
        assertThatThrownBy(() -> TrainSetup.resume(dir.resolve("mine"), TrainListener.NONE, c -> c))
                .hasMessageContaining("records no configuration");
    }

    static List<String> withoutTiming(List<?> rows) {
        List<String> out = new ArrayList<>();
        for (Object o : rows) {
            String s = o instanceof MetricsRow m ? m.csv(m.hasVal()) : o.toString();
            String[] f = s.split(",");
            out.add(f.length < 8 ? s : String.join(",", java.util.Arrays.copyOf(f, 6)));
        }
        return out;
    }
}
