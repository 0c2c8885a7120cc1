package org.resnet4j.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnet4j.engine.LossScaler;
import org.resnet4j.io.CheckpointFormat;
import org.resnet4j.io.ModelLoader;
import org.resnet4j.io.SafeTensors;
import org.resnet4j.io.StateDict;
import org.resnet4j.io.Weights;
import org.resnet4j.io.WeightsFormatException;
import org.resnet4j.model.ResNet;
import org.resnet4j.testing.Cli;
import org.resnet4j.testing.Fixtures;

/**
 * Checkpoints that changed after they were written are found and named, a run resumes from the newest intact one,
 * and a folder a run left before its first checkpoint is no dead end.
 */
class CheckpointRecoveryTest {
    @TempDir
    static Path shared;
    @TempDir
    Path dir;

    /** Two epochs of {@link TrainerTest#tiny}: last.ckpt after epoch 2, last.prev.ckpt after epoch 1. */
    private static Path twoEpochs;
    /** The same run for three epochs, uninterrupted. */
    private static TrainResult threeEpochs;

    @BeforeAll
    static void train() throws IOException {
        twoEpochs = shared.resolve("two");
        TrainSetup.start(TrainerTest.tiny(), twoEpochs, TrainListener.NONE).run();
        threeEpochs = TrainSetup.start(TrainerTest.tiny("--epochs", "3"), shared.resolve("three"), TrainListener.NONE)
                .run();
    }

    private Path copyOfRun() throws IOException {
        Path run = dir.resolve("run");
        Files.createDirectories(run);
        try (Stream<Path> files = Files.list(twoEpochs)) {
            for (Path f : files.toList()) {
                Files.copy(f, run.resolve(f.getFileName()));
            }
        }
        return run;
    }

    @Test
    void theRunKeepsThePreviousLastCheckpoint() throws IOException {
        assertThat(Checkpoint.read(twoEpochs.resolve("last.ckpt")).state().history).hasSize(2);
        assertThat(Checkpoint.read(twoEpochs.resolve("last.prev.ckpt")).state().history).hasSize(1);
        assertThat(Checkpoint.read(twoEpochs.resolve("last.ckpt")).verified()).isTrue();
    }

    @Test
    void bytesFlippedInsideAWeightAreFoundAndTheTensorNamed() throws IOException {
        Path ckpt = Files.copy(twoEpochs.resolve("last.ckpt"), dir.resolve("flipped.ckpt"));
        long at = dataOffset(ckpt, "model.layer2.0.conv1.weight");
        flip(ckpt, at + 100, 16);
        assertThatThrownBy(() -> Checkpoint.read(ckpt)).isInstanceOf(WeightsFormatException.class)
                .hasMessage(ckpt + ": damaged: tensor 'model.layer2.0.conv1.weight' does not match its checksum (the"
                        + " file changed after it was written)");
        assertThatThrownBy(() -> Weights.read(ckpt)).hasMessageContaining("damaged: tensor 'model.layer2.0.conv1");
        Cli.Result r = Cli.run("eval", "--weights", ckpt.toString(), "--threads", "1");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.errorLines()).containsExactly("resnet4j eval: error: " + ckpt + ": damaged: tensor"
                + " 'model.layer2.0.conv1.weight' does not match its checksum (the file changed after it was written)");
    }

    @Test
    void bytesFlippedInTheOptimizerStateOrTheRecordAreFoundToo() throws IOException {
        Path opt = Files.copy(twoEpochs.resolve("last.ckpt"), dir.resolve("opt.ckpt"));
        flip(opt, dataOffset(opt, "optimizer.libtorch_archive") + 50_000, 16);
        assertThatThrownBy(() -> Checkpoint.read(opt))
                .hasMessageContaining("damaged: tensor 'optimizer.libtorch_archive' does not match its checksum");

        Path record = Files.copy(twoEpochs.resolve("last.ckpt"), dir.resolve("record.ckpt"));
        byte[] bytes = Files.readAllBytes(record);
        int at = new String(bytes, StandardCharsets.ISO_8859_1).indexOf("\\\"step\\\":12") + "\\\"step\\\":".length();
        assertThat(at).isGreaterThan(20);
        bytes[at] = '7'; // step 72: still valid JSON, but not what was written
        Files.write(record, bytes);
        assertThatThrownBy(() -> Checkpoint.read(record)).hasMessageContaining(record + ": damaged: its record");
    }

    @Test
    void resumeFallsBackToThePreviousCheckpointAndRepeatsTheUninterruptedRun() throws IOException {
        Path run = copyOfRun();
        // best.ckpt holds epoch 2 as well: damaged too, so that the run goes back to last.prev.ckpt's epoch 1
        for (String f : List.of("last.ckpt", "best.ckpt")) {
            flip(run.resolve(f), dataOffset(run.resolve(f), "model.layer1.1.conv2.weight"), 16);
        }
        List<String> described = new ArrayList<>();
        TrainResult r = TrainSetup.resume(run, describedTo(described), c -> c.with("--epochs", "3")).run();
        for (String f : List.of("last.ckpt", "best.ckpt")) {
            assertThat(described).contains(run.resolve(f) + ": damaged: tensor 'model.layer1.1.conv2.weight' does not"
                    + " match its checksum (the file changed after it was written); resuming from "
                    + run.resolve("last.prev.ckpt") + " (after epoch 1, step 6) instead");
        }
        assertThat(r.steps()).isEqualTo(threeEpochs.steps());
        assertThat(TrainerTest.withoutTiming(r.history()))
                .isEqualTo(TrainerTest.withoutTiming(threeEpochs.history()));
        // the damaged file was replaced, never kept as the previous checkpoint
        assertThat(Checkpoint.read(run.resolve("last.prev.ckpt")).state().history).hasSize(2);
        assertThat(Checkpoint.read(run.resolve("last.ckpt")).state().history).hasSize(3);
    }

    @Test
    void aCheckpointWithNonFiniteWeightsIsNotResumedFrom() throws IOException {
        Path run = copyOfRun();
        Path last = run.resolve("last.ckpt");
        Checkpoint.Contents c = Checkpoint.read(last);
        ResNet net = ModelLoader.load(last, null).net();
        try (NoGradGuard g = new NoGradGuard()) {
            StateDict.of(net).get("layer3.1.bn1.running_var").fill_(new Scalar(Double.POSITIVE_INFINITY));
        }
        Checkpoint.write(last, c.checkpoint(), net, c.optimizer()); // checksums match: the values are what was saved
        List<String> described = new ArrayList<>();
        TrainSetup.resume(run, describedTo(described), x -> x.with("--max-steps", "7")).run();
        assertThat(described).contains(last + ": holds non-finite values (layer3.1.bn1.running_var); resuming from "
                + run.resolve("best.ckpt") + " (after epoch 2, step 12) instead"); // the same state as last.ckpt's
    }

    @Test
    void theLossScalerStateIsKeptOnlyWhereThereIsOne() throws IOException {
        Path last = twoEpochs.resolve("last.ckpt");
        assertThat(SafeTensors.readMetadata(last).get(CheckpointFormat.KEY)).as("fp32 files as before")
                .doesNotContain("lossScaler");
        Checkpoint.Contents c = Checkpoint.read(last);
        assertThat(c.state().lossScaler).isNull();

        c.state().lossScaler = new LossScaler.State(1024f, 1999);
        Path copy = dir.resolve("scaled.ckpt");
        Checkpoint.write(copy, c.checkpoint(), ModelLoader.load(last, null).net(), c.optimizer());
        assertThat(Checkpoint.read(copy).state().lossScaler).isEqualTo(new LossScaler.State(1024f, 1999));

        // an fp32 step has no scaler: a saved state is passed over, and the next checkpoint records none
        Path run = copyOfRun();
        Files.copy(copy, run.resolve("last.ckpt"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        TrainSetup.resume(run, TrainListener.NONE, x -> x.with("--epochs", "3")).run();
        assertThat(Checkpoint.read(run.resolve("last.ckpt")).state().lossScaler).isNull();

        // a state no scaler could be in (its checksum right): the file is named, and resume passes it over
        c.state().lossScaler = new LossScaler.State(1024f, 2000);
        Path hostile = run.resolve("last.ckpt");
        Checkpoint.write(hostile, c.checkpoint(), ModelLoader.load(last, null).net(), c.optimizer());
        assertThatThrownBy(() -> Checkpoint.read(hostile)).isInstanceOf(WeightsFormatException.class)
                .hasMessage(hostile + ": not a loss scaler state: scale 1024.0, growth tracker 2000");
        List<String> described = new ArrayList<>();
        TrainSetup.resume(run, describedTo(described), x -> x.with("--max-steps", "0")).run();
        assertThat(described).anySatisfy(d -> assertThat(d).startsWith(hostile + ": not a loss scaler state"));
    }

    @Test
    void withNoIntactCheckpointResumeSaysWhatIsWrongWithEach() throws IOException {
        Path run = copyOfRun();
        for (String f : RunDirectory.CHECKPOINTS) {
            flip(run.resolve(f), dataOffset(run.resolve(f), "model.fc.weight"), 4);
        }
        Cli.Result r = Cli.run("train", "--resume", run.toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.errorLines()).singleElement().asString()
                .startsWith("resnet4j train: error: no intact checkpoint to resume from in " + run + ": "
                        + run.resolve("last.ckpt") + ": damaged: tensor 'model.fc.weight'")
                .contains(run.resolve("last.prev.ckpt") + ": damaged", run.resolve("best.ckpt") + ": damaged");
    }

    @Test
    void aCheckpointFromBeforeChecksumsResumesWithANote() throws IOException {
        Path run = Files.createDirectories(dir.resolve("old"));
        try (Stream<Path> files = Files.list(Fixtures.path("legacy-run-v1"))) {
            for (Path f : files.toList()) {
                Files.copy(f, run.resolve(f.getFileName()));
            }
        }
        assertThat(Checkpoint.read(run.resolve("last.ckpt")).verified()).isFalse();
        List<String> described = new ArrayList<>();
        TrainResult r = TrainSetup.resume(run, describedTo(described), c -> c.with("--max-steps", "0")).run();
        assertThat(r.history()).hasSize(2);
        assertThat(described).contains(run.resolve("last.ckpt") + " was written before resnet4j kept checksums:"
                + " resumed without verifying it");
        assertThat(Checkpoint.read(run.resolve("last.ckpt")).verified()).isTrue();
    }

    @Test
    void aFolderLeftBeforeTheFirstCheckpointIsStartedAfreshByOutAndByResume() throws IOException {
        TrainConfig c = TrainerTest.tiny("--epochs", "1");
        for (String way : List.of("resume", "out")) {
            // what a run leaves when it dies after metrics.csv but before its first checkpoint (kill -9, a full disk)
            Path run = Files.createDirectories(dir.resolve(way));
            Files.writeString(run.resolve("config.json"), c.toJson());
            Files.writeString(run.resolve("metrics.csv"), "epoch,lr,train_loss,train_acc,test_loss,test_acc,seconds,"
                    + "images_per_second\n1,0.05,1.3,0.4,1.2,0.5,1.0,100\n");
            Files.writeString(run.resolve("train.log"), "the run that died\n");
            List<String> described = new ArrayList<>();
            TrainResult r = way.equals("resume") ? TrainSetup.resume(run, describedTo(described), x -> x).run()
                    : TrainSetup.start(c, run, describedTo(described)).run();
            assertThat(r.history()).hasSize(1);
            assertThat(described.get(0)).isEqualTo(way.equals("resume")
                    ? run + " holds no checkpoint (the run stopped before its first one): starting it over from the"
                            + " beginning with its recorded settings"
                    : run + " held a run that stopped before its first checkpoint; starting it afresh here (train.log"
                            + " goes on, metrics.csv and config.json are replaced)");
            assertThat(Files.readString(run.resolve("train.log"))).startsWith("the run that died\n");
            assertThat(TrainerTest.withoutTiming(r.history()))
                    .isEqualTo(TrainerTest.withoutTiming(threeEpochs.history().subList(0, 1)));
        }
        Cli.Result none = Cli.run("train", "--resume", Files.createDirectories(dir.resolve("empty")).toString());
        assertThat(none.exit()).isEqualTo(1);
        assertThat(none.errorLines()).containsExactly("resnet4j train: error: not a run folder (no checkpoint and no"
                + " config.json): " + dir.resolve("empty"));
    }

    private static TrainListener describedTo(List<String> lines) {
        return new TrainListener() {
            @Override
            public void started(List<String> description) {
                lines.addAll(description);
            }
        };
    }

    /** Where tensor {@code name}'s bytes start in a safetensors file. */
    static long dataOffset(Path file, String name) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            byte[] len = new byte[8];
            f.readFully(len);
            long n = ByteBuffer.wrap(len).order(ByteOrder.LITTLE_ENDIAN).getLong();
            byte[] header = new byte[(int) n];
            f.readFully(header);
            JsonNode h = new ObjectMapper().readTree(header);
            return 8 + n + h.get(name).get("data_offsets").get(0).asLong();
        }
    }

    /** Inverts {@code n} bytes from {@code at}: a disk or a copy that went wrong. */
    static void flip(Path file, long at, int n) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            byte[] b = new byte[n];
            f.seek(at);
            f.readFully(b);
            for (int i = 0; i < n; i++) {
                b[i] ^= (byte) 0xff;
            }
            f.seek(at);
            f.write(b);
        }
    }
}
