package org.resnet4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnet4j.data.stream.StreamingFolderTest;
import org.resnet4j.io.ModelLoader;
import org.resnet4j.io.StateDict;
import org.resnet4j.testing.Cli;

/** Training on image files decoded per step, from a folder in ImageNet's layout and from tar shards. */
class StreamedTrainingTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private Path imagenetLayout() throws IOException {
        Path root = dir.resolve("pets");
        StreamingFolderTest.folder(root.resolve("train"), 8);
        StreamingFolderTest.folder(root.resolve("val"), 2);
        return root;
    }

    private static String[] train(String... more) {
        String[] base = {"train", "--model", "resnet20", "--image-size", "32", "--batch-size", "8", "--epochs", "2",
            "--seed", "1", "--json"};
        String[] all = new String[base.length + more.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return all;
    }

    @Test
    void aFolderStreamsWithImagenetTransformsAndEvaluatesOnVal() throws IOException {
        Path root = imagenetLayout();
        Cli.Result r = Cli.run(train("--dataset", "folder", "--data-dir", root.toString(), "--storage", "stream",
                "--trivial-augment", "--random-erasing", "0.25", "--out", dir.resolve("run").toString()));
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.err()).contains("24 training", "6 test images", "streaming, as asked",
                "val/ is the test split", "RandomResizedCrop");
        JsonNode o = JSON.readTree(r.out());
        assertThat(o.get("history")).hasSize(2);
        assertThat(o.get("test_acc").asDouble()).isBetween(0.0, 1.0);
        // the same folder in memory: the CIFAR-style crop and flip at the input size
        Cli.Result m = Cli.run(train("--dataset", "folder", "--data-dir", root.toString(), "--storage", "memory",
                "--out", dir.resolve("mem").toString()));
        assertThat(m.exit()).as(m.err()).isZero();
        assertThat(m.err()).contains("in memory, as asked", "random crop (padding 4)");
    }

    @Test
    void shardsTrainAndResume() throws IOException {
        Path root = imagenetLayout();
        Path shards = dir.resolve("shards");
        Cli.Result p = Cli.run("data", "pack", "--data-dir", root.toString(), "--out", shards.toString(),
                "--shard-samples", "10");
        assertThat(p.exit()).as(p.err()).isZero();
        Path run = dir.resolve("run");
        Cli.Result r = Cli.run(train("--dataset", "shards", "--data-dir", shards.toString(), "--max-steps", "3",
                "--out", run.toString()));
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.err()).contains("streamed from 3 training shards");
        Cli.Result more = Cli.run("train", "--resume", run.toString(), "--max-steps", "0", "--json");
        assertThat(more.exit()).as(more.err()).isZero();
        assertThat(JSON.readTree(more.out()).get("history")).hasSize(2);
        assertThat(Files.readAllLines(run.resolve("metrics.csv"))).hasSize(3);
    }

    @Test
    void streamedDataHasNoCarvedValidation() throws IOException {
        Path root = imagenetLayout();
        Cli.Result r = Cli.run(train("--dataset", "folder", "--data-dir", root.toString(), "--storage", "stream",
                "--val-split", "4", "--out", dir.resolve("x").toString()));
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("--val-split carves validation images from data held in memory");
        assertThat(dir.resolve("x")).doesNotExist();
    }

    /**
     * The parts of torchvision's ResNet-50 V2 recipe beyond the optimiser, on streamed images: training crops smaller
     * than the evaluation's Resize + CenterCrop, repeated augmentation, and an EMA that copies the weights through
     * the warm-up (here the whole run, so the average is the model itself).
     */
    @Test
    void theRecipesTrainCropRepeatedAugmentationAndEmaThroughTheWarmUp() throws IOException {
        Path root = imagenetLayout();
        Path run = dir.resolve("ra");
        Cli.Result r = Cli.run(train("--dataset", "folder", "--data-dir", root.toString(), "--storage", "stream",
                "--train-crop", "24", "--eval-resize", "36", "--ra-sampler", "--ra-reps", "2", "--ema-decay", "0.9",
                "--ema-copy-warmup", "--warmup-epochs", "2", "--out", run.toString()));
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.err()).contains("RandomResizedCrop(24,", "each image 2 times an epoch (RASampler)",
                "copied through the warm-up", "24 training", "3 steps per epoch");
        assertThat(JSON.readTree(r.out()).get("history")).hasSize(2);
        Map<String, Tensor> model = StateDict.of(ModelLoader.load(run.resolve("last.ckpt"), null).net());
        Map<String, Tensor> ema = StateDict.of(ModelLoader.load(run.resolve("last.ckpt"), null, true).net());
        model.forEach((k, v) -> assertThat(v.equal(ema.get(k))).as(k).isTrue());

        Cli.Result shards = Cli.run("data", "pack", "--data-dir", root.toString(), "--out",
                dir.resolve("shards").toString(), "--shard-samples", "10");
        assertThat(shards.exit()).as(shards.err()).isZero();
        Cli.Result refused = Cli.run(train("--dataset", "shards", "--data-dir", dir.resolve("shards").toString(),
                "--ra-sampler", "--out", dir.resolve("ra-shards").toString()));
        assertThat(refused.exit()).isNotZero();
        assertThat(refused.err()).contains("--ra-sampler").hasLineCount(1);
    }
}
