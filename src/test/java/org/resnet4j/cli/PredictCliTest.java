package org.resnet4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnet4j.io.SafeTensors;
import org.resnet4j.io.TensorFile;
import org.resnet4j.testing.Cli;
import org.resnet4j.testing.DataFiles;
import org.resnet4j.testing.Fixtures;

/** predict, features, eval and report on a tiny trained run, and their bad inputs. */
class PredictCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static Path run;

    @BeforeAll
    static void trainTinyRun() {
        run = dir.resolve("run");
        Cli.Result r = Cli.run("train", "--model", "resnet20", "--dataset", "synthetic", "--synthetic-size", "256",
                "--synthetic-classes", "4", "--image-size", "16", "--batch-size", "32", "--epochs", "2", "--seed", "4",
                "--out", run.toString());
        assertThat(r.exit()).as(r.err()).isZero();
    }

    @Test
    void predictClassifiesImagesOfAnyKindAndReportsUnreadableOnesAtTheEnd() throws IOException {
        Path imgs = dir.resolve("imgs");
        DataFiles.image(imgs.resolve("a.png"), "png", BufferedImage.TYPE_INT_ARGB, 50, 20, 0x80ff8800);
        DataFiles.image(imgs.resolve("sub/b.jpg"), "jpg", BufferedImage.TYPE_INT_RGB, 8, 64, 0xff00ff00);
        DataFiles.image(imgs.resolve("c.bmp"), "bmp", BufferedImage.TYPE_BYTE_GRAY, 16, 16, 0xff7f7f7f);
        DataFiles.image(imgs.resolve("d.gif"), "gif", BufferedImage.TYPE_BYTE_INDEXED, 33, 17, 0xff0000ff);
        Files.writeString(imgs.resolve("broken.png"), "not a png");
        Files.writeString(imgs.resolve("notes.txt"), "skipped: not an image name");

        Cli.Result r = Cli.run("predict", "--weights", run.resolve("best.ckpt").toString(), "--top-k", "2",
                imgs.toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out().lines()).hasSize(4).allSatisfy(l -> assertThat(l).containsPattern(": class_\\d \\d+\\.\\d\\d%"));
        assertThat(r.err()).contains("broken.png: not an image").contains("(skipped)").hasLineCount(1);

        Cli.Result j = Cli.run("predict", "--weights", run.resolve("best.ckpt").toString(), "--json",
                imgs.resolve("a.png").toString());
        assertThat(j.exit()).as(j.err()).isZero();
        JsonNode o = JSON.readTree(j.out());
        assertThat(o.at("/predictions/0/top")).hasSize(4);
        assertThat(o.get("errors")).isEmpty();

        Cli.Result missing = Cli.run("predict", "--weights", run.resolve("best.ckpt").toString(),
                dir.resolve("nope.png").toString());
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.err()).contains("no such image or folder").hasLineCount(1);
    }

    @Test
    void featuresAreWrittenAsNpyAndSafetensors() throws IOException {
        Path npy = dir.resolve("f.npy");
        Cli.Result r = Cli.run("features", "--weights", run.resolve("last.ckpt").toString(), "--split", "test",
                "--out", npy.toString(), "--json");
        assertThat(r.exit()).as(r.err()).isZero();
        byte[] b = Files.readAllBytes(npy);
        int headerLength = ByteBuffer.wrap(b, 8, 2).order(ByteOrder.LITTLE_ENDIAN).getShort();
        String header = new String(b, 10, headerLength, StandardCharsets.US_ASCII);
        assertThat(header).contains("'descr': '<f4'", "'shape': (51, 64)");
        assertThat((10 + headerLength) % 64).isZero();
        assertThat(b.length).isEqualTo(10 + headerLength + 51 * 64 * 4);

        Path st = dir.resolve("f.safetensors");
        DataFiles.image(dir.resolve("one/x.png"), "png", BufferedImage.TYPE_INT_RGB, 10, 10, 0xff123456);
        assertThat(Cli.run("features", "--weights", run.resolve("last.ckpt").toString(), "--out", st.toString(),
                dir.resolve("one").toString()).exit()).isZero();
        TensorFile f = SafeTensors.read(st);
        assertThat(f.tensors().get("features").size(1)).isEqualTo(64);
        assertThat(f.metadata().get("files")).contains("x.png");
        assertThat(Cli.run("features", "--weights", run.resolve("last.ckpt").toString(), "--out",
                dir.resolve("f.csv").toString(), "--split", "test").err()).contains("must end in .npy or .safetensors");
    }

    @Test
    void evalTakesModelClassesAndPreprocessingFromTheCheckpoint() throws IOException {
        Cli.Result r = Cli.run("eval", "--weights", run.resolve("best.ckpt").toString(), "--tta", "--json");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode o = JSON.readTree(r.out());
        assertThat(o.get("dataset").asText()).isEqualTo("synthetic");
        assertThat(o.get("tta").asText()).isEqualTo("horizontal flip");
        assertThat(o.get("per_class")).hasSize(4);
        assertThat(o.get("confusion")).hasSize(4);
        assertThat(o.get("n").asInt()).isEqualTo(51);
        Cli.Result text = Cli.run("eval", "--weights", run.resolve("best.ckpt").toString());
        assertThat(text.out()).contains("precision", "confusion matrix (rows: true class");
    }

    @Test
    void exportWritesAPlainStateDictThatEvaluatesLikeTheCheckpoint() throws IOException {
        String ckpt = run.resolve("best.ckpt").toString();
        JsonNode fromCheckpoint = JSON.readTree(Cli.run("eval", "--weights", ckpt, "--json").out());
        Path st = dir.resolve("export/r20.safetensors");
        Path pt = dir.resolve("export/r20.pt");
        Cli.Result r = Cli.run("export", "--weights", ckpt, "--out", st.toString(), "--json");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(JSON.readTree(r.out()).get("format").asText()).isEqualTo("safetensors");
        assertThat(SafeTensors.read(st).tensors()).containsKey("layer1.0.bn1.num_batches_tracked")
                .doesNotContainKey("optimizer.libtorch_archive").doesNotContainKey("model.conv1.weight");
        r = Cli.run("export", "--weights", ckpt, "--out", pt.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("torch.load", "--model resnet20");

        // the safetensors export keeps the model's description, classes and preprocessing; the .pt needs them given
        JsonNode viaSafetensors = JSON.readTree(Cli.run("eval", "--weights", st.toString(), "--dataset", "synthetic",
                "--synthetic-size", "256", "--synthetic-classes", "4", "--image-size", "16", "--json").out());
        JsonNode viaPt = JSON.readTree(Cli.run("eval", "--weights", pt.toString(), "--model", "resnet20", "--dataset",
                "synthetic", "--synthetic-size", "256", "--synthetic-classes", "4", "--image-size", "16",
                "--json").out());
        assertThat(viaSafetensors.get("loss").asDouble()).isEqualTo(fromCheckpoint.get("loss").asDouble());
        assertThat(viaPt.get("loss").asDouble()).isEqualTo(fromCheckpoint.get("loss").asDouble());

        assertError(Cli.run("export", "--weights", ckpt, "--out", dir.resolve("r20.bin").toString()),
                "--out must end in .safetensors, .pt, .pth or .onnx");
        assertError(Cli.run("export", "--weights", pt.toString(), "--out", dir.resolve("again.pt").toString()),
                "does not say which model it holds; name it with --model");
        assertError(Cli.run("export", "--weights", st.toString(), "--out", st.toString()), "is the --weights file itself");
    }

    @Test
    void reportDrawsTheRunAndWritesOneHtmlPage() throws IOException {
        Cli.Result r = Cli.run("report", run.toString(), "--json");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode o = JSON.readTree(r.out());
        assertThat(o.get("pictures")).hasSize(8);
        for (JsonNode p : o.get("pictures")) {
            Path file = Path.of(p.asText());
            assertThat(file).isNotEmptyFile();
            if (file.toString().endsWith(".png")) {
                assertThat(javax.imageio.ImageIO.read(file.toFile()).getWidth()).isGreaterThan(500);
            } else {
                assertThat(Files.readString(file)).startsWith("<?xml").contains("<svg");
            }
        }
        String html = Files.readString(Path.of(o.get("html").asText()));
        assertThat(html).contains("resnet4j run: resnet20 on synthetic", "data:image/png;base64,", "Confusion matrix",
                "best epoch", "<tr><th>--model</th><td>resnet20</td></tr>");
    }

    @Test
    void badInputsGetOneErrorLine() throws IOException {
        Path empty = Files.createDirectories(dir.resolve("empty-run"));
        assertError(Cli.run("report", empty.toString()), "the run folder has no metrics");
        assertError(Cli.run("report", dir.resolve("absent").toString()), "no such run folder");
        // weights for another class count
        assertError(Cli.run("eval", "--model", "resnet20", "--weights",
                Fixtures.path("resnet20_trained.safetensors").toString(), "--dataset", "synthetic",
                "--synthetic-classes", "12"), "the data has 12 classes but the model predicts 10");
        // a checkpoint from a newer format
        Path newer = dir.resolve("newer.ckpt");
        TensorFile ck = SafeTensors.read(run.resolve("last.ckpt"));
        var meta = new java.util.LinkedHashMap<>(ck.metadata());
        meta.put("resnet4j.checkpoint", meta.get("resnet4j.checkpoint").replace("\"format\":1", "\"format\":7"));
        SafeTensors.write(newer, ck.tensors(), meta);
        assertError(Cli.run("eval", "--weights", newer.toString()), "checkpoint format 7 is newer than this resnet4j");
        assertError(Cli.run("predict", "--weights", newer.toString(), dir.toString()), "checkpoint format 7");
        assertError(Cli.run("train", "--resume", copyRunWith(newer).toString()), "checkpoint format 7");
    }

    private static Path copyRunWith(Path checkpoint) throws IOException {
        Path r = Files.createDirectories(dir.resolve("newer-run"));
        Files.copy(checkpoint, r.resolve("last.ckpt"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return r;
    }

    private static void assertError(Cli.Result r, String text) {
        assertThat(r.exit()).as(r.err()).isNotZero();
        assertThat(r.err()).contains("error: ", text).doesNotContain("\tat ");
        assertThat(r.err().lines().filter(l -> l.contains("error:"))).hasSize(1);
    }
}
