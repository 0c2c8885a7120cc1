package org.resnet4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnet4j.testing.Cli;
import org.resnet4j.testing.Fixtures;

/** export --format onnx and eval of the file through ONNX Runtime, and their bad inputs. */
class OnnxCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void anExportedModelEvaluatesToPyTorchsFiguresInOnnxRuntime() throws IOException {
        JsonNode expected = JSON.readTree(Fixtures.path("eval_expected.json").toFile());
        String weights = Fixtures.path("resnet20_trained.safetensors").toString();
        String data = Fixtures.path("cifar_eval").toString();
        Path folded = dir.resolve("r20.onnx");
        Path unfolded = dir.resolve("r20-bn.model");
        Cli.Result r = Cli.run("export", "--model", "resnet20", "--weights", weights, "--out", folded.toString(),
                "--json");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode o = JSON.readTree(r.out());
        assertThat(o.get("format").asText()).isEqualTo("onnx");
        assertThat(o.get("opset").asInt()).isEqualTo(13);
        assertThat(o.get("batchnorm_folded").asBoolean()).isTrue();
        r = Cli.run("export", "--model", "resnet20", "--weights", weights, "--format", "onnx", "--no-fold-bn",
                "--out", unfolded.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("ONNX model (opset 13", "BatchNorm kept", "eval --weights");
        Path renamed = dir.resolve("r20-bn.onnx");
        Files.move(unfolded, renamed);

        for (Path file : new Path[] {folded, renamed}) {
            Cli.Result e = Cli.run("eval", "--weights", file.toString(), "--dataset", "cifar10", "--data-dir", data,
                    "--batch-size", "64", "--json");
            assertThat(e.exit()).as(e.err()).isZero();
            JsonNode got = JSON.readTree(e.out());
            assertThat(got.get("model").asText()).isEqualTo("resnet20");
            assertThat(got.get("loss").asDouble()).isCloseTo(expected.get("loss").asDouble(), within(1e-4));
            assertThat(got.get("top1").asDouble()).isCloseTo(expected.get("top1").asDouble(), within(1e-6));
            assertThat(got.get("top5").asDouble()).isCloseTo(expected.get("top5").asDouble(), within(1e-6));
            assertThat(got.get("n").asInt()).isEqualTo(expected.get("n").asInt());
        }
    }

    @Test
    void normalisationInTheGraphEvaluatesLikeTheCheckpoint() throws IOException {
        Path run = dir.resolve("run");
        String[] data = {"--dataset", "synthetic", "--synthetic-size", "128", "--synthetic-classes", "3",
            "--image-size", "16"};
        Cli.Result t = Cli.run(concat(new String[] {"train", "--model", "resnet20", "--batch-size", "32", "--epochs",
            "1", "--seed", "2", "--out", run.toString()}, data));
        assertThat(t.exit()).as(t.err()).isZero();
        String ckpt = run.resolve("last.ckpt").toString();
        JsonNode want = JSON.readTree(Cli.run("eval", "--weights", ckpt, "--json").out());
        Path onnx = dir.resolve("out/r20.onnx");
        Files.createDirectories(onnx.getParent());
        Files.writeString(onnx, "an older file, replaced as the other formats replace theirs");
        Cli.Result r = Cli.run("export", "--weights", ckpt, "--out", onnx.toString(), "--normalize-in-graph");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("normalisation in the graph");
        // the file names its dataset and normalisation; the synthetic set's size is given again
        JsonNode got = JSON.readTree(Cli.run(concat(new String[] {"eval", "--weights", onnx.toString(), "--json"},
                data)).out());
        assertThat(got.get("loss").asDouble()).isCloseTo(want.get("loss").asDouble(), within(1e-4));
        assertThat(got.get("top1").asDouble()).isEqualTo(want.get("top1").asDouble());
    }

    @Test
    void badInputGetsOneClearErrorLine() throws IOException {
        String weights = Fixtures.path("resnet20_trained.safetensors").toString();
        String data = Fixtures.path("cifar_eval").toString();
        Path out = dir.resolve("r20.onnx");
        assertOneErrorLine(Cli.run("export", "--model", "resnet20", "--weights", weights, "--format", "tflite",
                "--out", out.toString()), 2, "unknown format 'tflite'; known formats: safetensors, torch, onnx");
        assertOneErrorLine(Cli.run("export", "--model", "resnet20", "--weights", weights, "--format", "onnx",
                "--out", dir.resolve("r20.pt").toString()), 2, "--format onnx but --out r20.pt names a torch file");
        assertOneErrorLine(Cli.run("export", "--model", "resnet20", "--weights", weights, "--out",
                dir.resolve("r20.bin").toString()), 2, "--out must end in .safetensors, .pt, .pth or .onnx");
        assertOneErrorLine(Cli.run("export", "--model", "resnet20", "--weights", weights, "--no-fold-bn",
                "--out", dir.resolve("r20.pt").toString()), 2, "apply to ONNX exports");
        Path file = dir.resolve("a-file");
        Files.writeString(file, "x");
        assertOneErrorLine(Cli.run("export", "--model", "resnet20", "--weights", weights, "--out",
                file.resolve("r20.onnx").toString()), 2, "is not a directory");
        assertOneErrorLine(Cli.run("export", "--model", "resnet20", "--weights", weights, "--normalize-in-graph",
                "--out", out.toString()), 2, "do not record their input normalisation");
        assertThat(out).doesNotExist();

        Path notOnnx = dir.resolve("model.onnx");
        Files.writeString(notOnnx, "this is not a protobuf");
        assertOneErrorLine(Cli.run("eval", "--weights", notOnnx.toString(), "--data-dir", data), 1,
                "model.onnx: not an ONNX model that ONNX Runtime can load");
        Path copied = dir.resolve("weights.onnx");
        Files.copy(Path.of(weights), copied);
        assertOneErrorLine(Cli.run("eval", "--weights", copied.toString(), "--data-dir", data), 1,
                "not an ONNX model that ONNX Runtime can load");
        assertOneErrorLine(Cli.run("eval", "--weights", dir.resolve("missing.onnx").toString(), "--data-dir", data),
                1, "no such ONNX file");

        assertThat(Cli.run("export", "--model", "resnet20", "--weights", weights, "--out", out.toString()).exit())
                .isZero();
        assertOneErrorLine(Cli.run("export", "--weights", out.toString(), "--out", out.toString()), 2,
                "is the --weights file itself");
        assertOneErrorLine(Cli.run("eval", "--weights", out.toString(), "--data-dir", data, "--precision", "bf16"),
                2, "--precision bf16 applies to resnet4j models");
        assertOneErrorLine(Cli.run("eval", "--weights", out.toString(), "--model", "resnet20", "--data-dir", data),
                2, "an ONNX file holds its own graph");
        assertOneErrorLine(Cli.run("export", "--weights", out.toString(), "--out", dir.resolve("x.onnx").toString()),
                1, "neither a safetensors file nor a torch.save archive");
    }

    @Test
    void benchTimesOnnxRuntimeOnTheSameTerms() throws IOException {
        Cli.Result r = Cli.run("bench", "--model", "resnet20", "--mode", "eval", "--runtime", "onnxruntime",
                "--batch-size", "2", "--steps", "2", "--warmup", "1", "--threads", "1", "--json");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode o = JSON.readTree(r.out());
        assertThat(o.get("runtime").asText()).isEqualTo("onnxruntime");
        assertThat(o.get("threads").asInt()).isEqualTo(1);
        assertThat(o.get("images_per_second").asDouble()).isPositive();
        assertOneErrorLine(Cli.run("bench", "--model", "resnet20", "--runtime", "onnxruntime"), 2,
                "--runtime onnxruntime times fp32 inference");
        assertOneErrorLine(Cli.run("bench", "--model", "resnet20", "--mode", "eval", "--runtime", "tvm"), 2,
                "'tvm' is not one of libtorch, onnxruntime");
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static void assertOneErrorLine(Cli.Result r, int exit, String text) {
        assertThat(r.exit()).as("exit status; stderr: %s", r.err()).isEqualTo(exit);
        assertThat(r.err().lines().toList()).as("stderr").hasSize(1);
        assertThat(r.err()).contains("error: ").contains(text).doesNotContain("Exception", "\tat ");
        assertThat(r.out()).isEmpty();
    }
}
