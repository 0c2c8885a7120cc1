package org.resnet4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import javax.imageio.ImageIO;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnet4j.data.ImageDecoder;
import org.resnet4j.data.Preprocessing;
import org.resnet4j.data.image.Resample;
import org.resnet4j.data.transform.EvalTransform;
import org.resnet4j.engine.Engine;
import org.resnet4j.eval.Predictor;
import org.resnet4j.io.ModelLoader;
import org.resnet4j.testing.Cli;

/**
 * A run that evaluated streamed images (Resize then CenterCrop) records that transform with its weights, so that
 * {@code eval} of its checkpoint gives the figures training reported and {@code predict} prepares images as
 * validation did; a run held in memory keeps the fit.
 */
class StreamedCheckpointEvalTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** --eval-resize 40 at --image-size 32, bicubic: neither the fit nor the default 256/224 bilinear. */
    private static final EvalTransform RECORDED = new EvalTransform(40, 32, Resample.Filter.BICUBIC, false);

    @TempDir
    static Path dir;
    private static Path root;

    /** Patterned PNGs of differing aspect ratios, so that resizing before the crop changes what the model sees. */
    @BeforeAll
    static void folder() throws IOException {
        Engine.start();
        root = dir.resolve("images");
        int k = 0;
        for (String split : List.of("train", "test")) {
            for (String cls : List.of("a", "b", "c")) {
                for (int i = 0; i < 4; i++, k++) {
                    pattern(root.resolve(split).resolve(cls).resolve(i + ".png"), k, 36 + 5 * i + k % 3,
                            60 - 6 * i);
                }
            }
        }
    }

    private static void pattern(Path file, int seed, int w, int h) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, ((seed * 37 + x * 9) & 0xff) << 16 | ((seed * 91 + y * 13) & 0xff) << 8
                        | ((x * y + seed * 5) & 0xff));
            }
        }
        Files.createDirectories(file.getParent());
        ImageIO.write(img, "png", file.toFile());
    }

    /** Trains one epoch; returns the run's last epoch as train --json reported it. */
    private static JsonNode train(Path run, String... data) throws IOException {
        List<String> args = new java.util.ArrayList<>(List.of("train", "--model", "resnet20", "--image-size", "32",
                "--batch-size", "8", "--eval-batch-size", "5", "--epochs", "1", "--lr", "0.01", "--seed", "3",
                "--eval-resize", "40", "--interpolation", "bicubic", "--json", "--out", run.toString()));
        args.addAll(List.of(data));
        Cli.Result r = Cli.run(args.toArray(String[]::new));
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode history = JSON.readTree(r.out()).get("history");
        assertThat(history).hasSize(1);
        return history.get(0);
    }

    private static JsonNode eval(Path weights, String... more) throws IOException {
        List<String> args = new java.util.ArrayList<>(List.of("eval", "--weights", weights.toString(), "--batch-size",
                "7", "--json"));
        args.addAll(List.of(more));
        Cli.Result r = Cli.run(args.toArray(String[]::new));
        assertThat(r.exit()).as(r.err()).isZero();
        return JSON.readTree(r.out());
    }

    /** eval's figures are the run's: metrics.csv's (to its six decimals) and train --json's (to float rounding). */
    private static void assertEvalGivesTheRunsFigures(Path run, JsonNode epoch) throws IOException {
        JsonNode e = eval(run.resolve("last.ckpt"));
        String[] csv = Files.readAllLines(run.resolve("metrics.csv")).get(1).split(",");
        double loss = epoch.get("test_loss").asDouble();
        assertThat(e.get("loss").asDouble()).isCloseTo(loss, within(1e-6 * Math.max(1, Math.abs(loss))));
        assertThat(e.get("loss").asDouble()).isCloseTo(Double.parseDouble(csv[4]), within(5e-7 + 1e-6 * loss));
        assertThat(e.get("top1").asDouble()).isCloseTo(Double.parseDouble(csv[5]), within(5e-7));
        assertThat(e.get("top1").asDouble()).isEqualTo(epoch.get("test_acc").asDouble());
        assertThat(e.get("n").asInt()).isEqualTo(12);
    }

    @Test
    void aStreamedRunsCheckpointEvaluatesAndPredictsAsTrainingValidated() throws IOException {
        Path run = dir.resolve("stream");
        JsonNode epoch = train(run, "--dataset", "folder", "--data-dir", root.toString(), "--storage", "stream");
        ModelLoader.LoadedModel m = ModelLoader.load(run.resolve("last.ckpt"), null);
        assertThat(m.evalTransform()).isEqualTo(RECORDED);
        assertThat(m.preprocessing().evalTransform()).isEqualTo(RECORDED);
        assertEvalGivesTheRunsFigures(run, epoch);

        Path file = root.resolve("test").resolve("b").resolve("2.png");
        Cli.Result p = Cli.run("predict", "--weights", run.resolve("last.ckpt").toString(), "--top-k", "3", "--json",
                file.toString());
        assertThat(p.exit()).as(p.err()).isZero();
        double[] got = probabilities(JSON.readTree(p.out()).get("predictions").get(0).get("top"));
        Preprocessing fitted = m.preprocessing().withEvalTransform(null);
        double[] resized = probabilities(new Predictor(m.net(), m.classNames(), fitted, true, RECORDED)
                .predict(ImageDecoder.read(file), 3));
        assertThat(got).containsExactly(resized, within(1e-5)); // predict also fuses the convolutions' epilogues
        double[] fit = probabilities(new Predictor(m.net(), m.classNames(), fitted, true, null)
                .predict(ImageDecoder.read(file), 3));
        assertThat(Math.abs(fit[0] - resized[0]) + Math.abs(fit[1] - resized[1]))
                .as("the fit prepares this image otherwise").isGreaterThan(1e-3);

        // exported weights keep it: safetensors, and ONNX (evaluated by ONNX Runtime on the run's data)
        Path st = dir.resolve("exported.safetensors");
        Path onnx = dir.resolve("exported.onnx");
        for (Path out : List.of(st, onnx)) {
            Cli.Result x = Cli.run("export", "--weights", run.resolve("last.ckpt").toString(), "--out",
                    out.toString());
            assertThat(x.exit()).as(x.err()).isZero();
        }
        assertThat(ModelLoader.load(st, null).evalTransform()).isEqualTo(RECORDED);
        JsonNode e = eval(onnx, "--dataset", "folder", "--data-dir", root.toString());
        assertThat(e.get("loss").asDouble()).isCloseTo(epoch.get("test_loss").asDouble(), within(1e-4));
        assertThat(e.get("top1").asDouble()).isEqualTo(epoch.get("test_acc").asDouble());
    }

    /** Grey models see the resized RGB image's luma, as streamed evaluation converts it. */
    @Test
    void aGreyStreamedRunEvaluatesAsTrainingValidated() throws IOException {
        Path run = dir.resolve("grey");
        JsonNode epoch = train(run, "--dataset", "folder", "--data-dir", root.toString(), "--storage", "stream",
                "--channels", "1");
        ModelLoader.LoadedModel m = ModelLoader.load(run.resolve("last.ckpt"), null);
        assertThat(m.preprocessing().channels()).isEqualTo(1);
        assertThat(m.evalTransform()).isEqualTo(RECORDED);
        assertEvalGivesTheRunsFigures(run, epoch);
    }

    @Test
    void aShardedRunsCheckpointEvaluatesAsTrainingValidated() throws IOException {
        Path shards = dir.resolve("shards");
        Cli.Result pack = Cli.run("data", "pack", "--data-dir", root.toString(), "--out", shards.toString(),
                "--shard-samples", "10");
        assertThat(pack.exit()).as(pack.err()).isZero();
        Path run = dir.resolve("sharded");
        JsonNode epoch = train(run, "--dataset", "shards", "--data-dir", shards.toString());
        assertThat(ModelLoader.load(run.resolve("last.ckpt"), null).evalTransform()).isEqualTo(RECORDED);
        assertEvalGivesTheRunsFigures(run, epoch);
    }

    @Test
    void aRunHeldInMemoryKeepsTheFit() throws IOException {
        Path run = dir.resolve("memory");
        JsonNode epoch = train(run, "--dataset", "folder", "--data-dir", root.toString(), "--storage", "memory");
        ModelLoader.LoadedModel m = ModelLoader.load(run.resolve("last.ckpt"), null);
        assertThat(m.evalTransform()).isNull();
        assertThat(m.preprocessing().fit()).isEqualTo(ImageDecoder.Fit.CROP);
        assertEvalGivesTheRunsFigures(run, epoch);
    }

    private static double[] probabilities(JsonNode top) {
        double[] p = new double[3];
        top.forEach(s -> p[s.get("index").asInt()] = s.get("probability").asDouble());
        return p;
    }

    private static double[] probabilities(Predictor.Prediction top) {
        double[] p = new double[3];
        top.top().forEach(s -> p[s.index()] = s.probability());
        return p;
    }
}
