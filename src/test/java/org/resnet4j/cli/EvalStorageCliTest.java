package org.resnet4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnet4j.data.DatasetKind;
import org.resnet4j.data.Preprocessing;
import org.resnet4j.engine.Engine;
import org.resnet4j.engine.Tensors;
import org.resnet4j.io.SafeTensors;
import org.resnet4j.io.Weights;
import org.resnet4j.model.ModelOptions;
import org.resnet4j.model.ResNets;
import org.resnet4j.testing.ChildJvm;
import org.resnet4j.testing.Cli;
import org.resnet4j.testing.DataFiles;

/**
 * {@code eval} and {@code features --split} on an image folder held in memory, streamed from its files, streamed
 * from tar shards packed from it, and shared by two processes: the same figures every way.
 */
class EvalStorageCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    private static Path root;
    private static Path weights;

    @BeforeAll
    static void folderAndWeights() throws IOException {
        Engine.start();
        root = dir.resolve("images");
        int k = 0;
        for (String split : List.of("train", "test")) {
            for (String cls : List.of("a", "b", "c")) {
                Path d = root.resolve(split).resolve(cls);
                for (int i = 0; i < 3; i++, k++) {
                    DataFiles.image(d.resolve(i + ".png"), "png", BufferedImage.TYPE_INT_RGB, 30 + 7 * i, 44 - 5 * i,
                            0x103050 * (k + 1));
                    DataFiles.image(d.resolve(i + ".jpg"), "jpg", BufferedImage.TYPE_INT_RGB, 50 - 3 * i, 36,
                            0x908070 + 0x0f1320 * k);
                }
            }
        }
        weights = dir.resolve("w.safetensors");
        Engine.seed(11);
        Weights.save(ResNets.create(ModelOptions.of("resnet20").withClasses(3)), List.of("a", "b", "c"),
                Preprocessing.defaults(DatasetKind.FOLDER, 3, 32), weights);
    }

    private static JsonNode eval(String... more) throws IOException {
        List<String> args = new ArrayList<>(List.of("eval", "--weights", weights.toString(), "--dataset", "folder",
                "--data-dir", root.toString(), "--batch-size", "5", "--json"));
        args.addAll(List.of(more));
        Cli.Result r = Cli.run(args.toArray(String[]::new));
        assertThat(r.exit()).as(r.err()).isZero();
        return JSON.readTree(r.out());
    }

    /** The same loss (to float rounding), accuracies, per-class figures and confusion matrix. */
    static void assertSameFigures(JsonNode got, JsonNode want) {
        double loss = want.get("loss").asDouble();
        assertThat(got.get("loss").asDouble()).isCloseTo(loss, within(1e-6 * Math.max(1, Math.abs(loss))));
        for (String exact : List.of("n", "top1", "top5", "per_class", "confusion", "class_names", "tta")) {
            assertThat(got.get(exact)).as(exact).isEqualTo(want.get(exact));
        }
    }

    @Test
    void aStreamedFolderGivesTheFiguresOfTheFolderInMemory() throws IOException {
        for (String[] tta : new String[][] {{}, {"--tta"}}) {
            JsonNode memory = eval(concat(tta, "--storage", "memory"));
            Cli.Result r = Cli.run(concat(new String[] {"eval", "--weights", weights.toString(), "--dataset", "folder",
                "--data-dir", root.toString(), "--batch-size", "5", "--json", "--storage", "stream",
                "--data-workers", "2"}, tta));
            assertThat(r.exit()).as(r.err()).isZero();
            assertThat(r.err()).contains("images streaming, as asked (18 images at 3x32x32");
            JsonNode stream = JSON.readTree(r.out());
            assertThat(stream.get("n").asInt()).isEqualTo(18);
            assertSameFigures(stream, memory);
            assertSameFigures(eval(tta), memory); // auto: this small folder is held in memory
        }
    }

    @Test
    void featuresOfAStreamedSplitAreThoseOfTheSplitInMemory() throws IOException {
        List<float[]> features = new ArrayList<>();
        List<long[]> labels = new ArrayList<>();
        for (String storage : List.of("memory", "stream")) {
            Path out = dir.resolve("features-" + storage + ".safetensors");
            Cli.Result r = Cli.run("features", "--weights", weights.toString(), "--dataset", "folder", "--data-dir",
                    root.toString(), "--split", "test", "--batch-size", "4", "--storage", storage, "--out",
                    out.toString());
            assertThat(r.exit()).as(r.err()).isZero();
            org.resnet4j.io.TensorFile c = SafeTensors.read(out);
            features.add(Tensors.toFloats(c.tensors().get("features")));
            labels.add(Tensors.toLongs(c.tensors().get("labels")));
        }
        assertThat(features.get(1)).hasSize(18 * 64).containsExactly(features.get(0));
        assertThat(labels.get(1)).containsExactly(labels.get(0)).contains(0, 1, 2);
    }

    @Test
    void shardsPackedFromTheFolderGiveItsFigures() throws IOException {
        Path shards = dir.resolve("shards");
        Cli.Result pack = Cli.run("data", "pack", "--data-dir", root.toString(), "--out", shards.toString(),
                "--shard-samples", "7");
        assertThat(pack.exit()).as(pack.err()).isZero();
        Cli.Result r = Cli.run("eval", "--weights", weights.toString(), "--dataset", "shards", "--data-dir",
                shards.toString(), "--batch-size", "5", "--json");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.err()).contains("images streamed from 3 test shards");
        assertSameFigures(JSON.readTree(r.out()), eval("--storage", "memory"));
    }

    @Test
    void twoProcessesStreamingTheirSharesAddUpToOneProcessInMemory() throws Exception {
        JsonNode one = eval("--storage", "memory");
        ChildJvm shared = ChildJvm.resnet4j(dir, "eval2", Map.of(), "launch", "--nproc-per-node", "2",
                "--master-port", String.valueOf(ChildJvm.freePort()), "eval", "--weights", weights.toString(),
                "--dataset", "folder", "--data-dir", root.toString(), "--batch-size", "5", "--storage", "stream",
                "--json");
        assertThat(shared.await(3)).as(shared.err()).isZero();
        JsonNode two = JSON.copy().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).readTree(shared.out());
        assertSameFigures(two, one);

        // one test shard cannot be shared by two processes: each says so in one line
        Path oneShard = dir.resolve("one-shard");
        Cli.Result pack = Cli.run("data", "pack", "--data-dir", root.toString(), "--out", oneShard.toString());
        assertThat(pack.exit()).as(pack.err()).isZero();
        ChildJvm few = ChildJvm.resnet4j(dir, "few", Map.of(), "launch", "--nproc-per-node", "2", "--master-port",
                String.valueOf(ChildJvm.freePort()), "eval", "--weights", weights.toString(), "--dataset", "shards",
                "--data-dir", oneShard.toString());
        assertThat(few.await(3)).isNotZero();
        for (String rank : List.of("[rank0]", "[rank1]")) {
            assertThat(few.err().lines().filter(l -> l.startsWith(rank) && l.contains("error:")).toList())
                    .as(few.err()).singleElement().asString().contains("cannot feed rank 1 of 2");
        }
    }

    @Test
    void badStorageSettingsAreOneLine() {
        Cli.Result bad = Cli.run("eval", "--weights", weights.toString(), "--dataset", "folder", "--data-dir",
                root.toString(), "--storage", "disk");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).hasLineCount(1).contains("--storage must be memory, stream or auto, not 'disk'");
        assertThat(bad.out()).isEmpty();

        Cli.Result carve = Cli.run("eval", "--weights", weights.toString(), "--dataset", "folder", "--data-dir",
                root.toString(), "--storage", "stream", "--val-split", "3", "--split", "val");
        assertThat(carve.exit()).isNotZero();
        assertThat(carve.err()).hasLineCount(1).contains("--val-split carves validation images");

        Cli.Result features = Cli.run("features", "--weights", weights.toString(), "--dataset", "folder",
                "--data-dir", root.toString(), "--split", "test", "--storage", "none", "--out",
                dir.resolve("f.npy").toString());
        assertThat(features.exit()).isEqualTo(2);
        assertThat(features.err()).hasLineCount(1).contains("--storage must be memory, stream or auto");
        assertThat(dir.resolve("f.npy")).doesNotExist();
    }

    private static String[] concat(String[] a, String... b) {
        List<String> out = new ArrayList<>(List.of(a));
        out.addAll(List.of(b));
        return out.toArray(String[]::new);
    }
}
