package org.resnet4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnet4j.io.Weights;
import org.resnet4j.model.ResNets;
import org.resnet4j.testing.Cli;
import org.resnet4j.testing.Fixtures;

class CliTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void summaryPrintsTheLayerTableWithTotals() {
        Cli.Result r = Cli.run("summary", "--model", "resnet18");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("layer2.0", "projection 1x1/2 + BN", "Total parameters: 11,173,962",
                "512x4x4");
    }

    @Test
    void summaryJsonDescribesEveryRow() throws IOException {
        Cli.Result r = Cli.run("summary", "--model", "imagenet_resnet50", "--classes", "1000", "--depth", "3",
                "--json");
        assertThat(r.exit()).isZero();
        JsonNode o = JSON.readTree(r.out());
        assertThat(o.get("total_parameters").asLong()).isEqualTo(25_557_032L);
        assertThat(o.get("total_multiply_adds").asLong()).isBetween(4_080_000_000L, 4_100_000_000L);
        assertThat(o.get("layers").findValuesAsText("name")).contains("layer4.2.conv3", "layer1.0.downsample.0");
        assertThat(Cli.run("summary", "--model", "resnet20", "--input", "1x28x28", "--json").out())
                .contains("\"input\":[1,28,28]");
    }

    @Test
    void infoReportsVersionsAndThreads() throws IOException {
        Cli.Result r = Cli.run("info", "--json", "--threads", "1");
        assertThat(r.exit()).isZero();
        JsonNode o = JSON.readTree(r.out());
        assertThat(o.get("libtorch").asText()).isEqualTo("2.10.0");
        assertThat(o.get("threads").asInt()).isEqualTo(1);
        assertThat(o.get("cpu_capability").asText()).isNotBlank();
        Cli.run("info", "--threads", String.valueOf(Runtime.getRuntime().availableProcessors()));
    }

    @Test
    void evalOnPyTorchWeightsGivesPyTorchsFigures() throws IOException {
        JsonNode expected = JSON.readTree(Fixtures.path("eval_expected.json").toFile());
        for (String weights : new String[] {"resnet20_trained.pt", "resnet20_trained.safetensors"}) {
            Cli.Result r = Cli.run("eval", "--model", "resnet20", "--weights", Fixtures.path(weights).toString(),
                    "--dataset", "cifar10", "--data-dir", Fixtures.path("cifar_eval").toString(), "--split", "test",
                    "--batch-size", "64", "--json");
            assertThat(r.exit()).as(r.err()).isZero();
            JsonNode o = JSON.readTree(r.out());
            assertThat(o.get("loss").asDouble()).isCloseTo(expected.get("loss").asDouble(), within(1e-4));
            assertThat(o.get("top1").asDouble()).isCloseTo(expected.get("top1").asDouble(), within(1e-6));
            assertThat(o.get("top5").asDouble()).isCloseTo(expected.get("top5").asDouble(), within(1e-6));
            assertThat(o.get("n").asInt()).isEqualTo(expected.get("n").asInt());
        }
    }

    @Test
    void evalReadsOnlyTheRequestedSplitAndAnyWholeNumberOfRecords() throws IOException {
        Path data = dir.resolve("cifar-10-batches-bin");
        Files.createDirectories(data);
        byte[] records = Files.readAllBytes(Fixtures.path("cifar_eval/test_batch.bin"));
        Files.write(data.resolve("test_batch.bin"), Arrays.copyOf(records, 7 * 3073));
        Files.writeString(data.resolve("data_batch_1.bin"), "garbage that is never opened");
        Cli.Result r = Cli.run("eval", "--model", "resnet20", "--weights",
                Fixtures.path("resnet20_trained.safetensors").toString(), "--data-dir", dir.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("(7 images)");
    }

    @Test
    void evalUsesTheModelNamedInResnet4jWeights() throws IOException {
        Path w = dir.resolve("r20.safetensors");
        Weights.save(ResNets.create("resnet20"), java.util.List.of(), null, w);
        Cli.Result r = Cli.run("eval", "--weights", w.toString(), "--data-dir",
                Fixtures.path("cifar_eval").toString(), "--json");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("\"model\":\"resnet20\"");
        Cli.Result wrong = Cli.run("eval", "--model", "resnet32", "--weights", w.toString(), "--data-dir",
                Fixtures.path("cifar_eval").toString());
        assertOneErrorLine(wrong, 1, "holds a resnet20, not a resnet32");
    }

    @Test
    void badInputGetsOneClearErrorLineAndANonZeroExit() throws IOException {
        String weights = Fixtures.path("resnet20_trained.safetensors").toString();
        String data = Fixtures.path("cifar_eval").toString();
        assertOneErrorLine(Cli.run("summary", "--model", "resnet19"), 2, "unknown model 'resnet19'");
        assertOneErrorLine(Cli.run("summary", "--model", "resnet18", "--input", "3x32"), 2, "CxHxW");
        assertOneErrorLine(Cli.run("summary", "--model", "resnet18", "--dpth", "3"), 2,
                "Unknown options: '--dpth', '3'");
        assertOneErrorLine(Cli.run("summary"), 2, "Missing required option: '--model=NAME'");
        assertOneErrorLine(Cli.run("info", "--threads", "zero"), 2, "Invalid value for option '--threads'");
        assertOneErrorLine(Cli.run("info", "--threads=-1"), 2, "--threads must be at least 1 (or 0 for one per core)");
        assertOneErrorLine(Cli.run("frobnicate"), 2, "Unmatched argument");
        assertOneErrorLine(Cli.run(), 2, "a command is required");
        assertOneErrorLine(Cli.run("eval", "--weights", weights, "--data-dir", data), 1,
                "does not say which model it holds; name it with --model");
        assertOneErrorLine(Cli.run("eval", "--model", "resnet20", "--weights", dir.resolve("nope.pt").toString(),
                "--data-dir", data), 1, "no such weights file");
        assertOneErrorLine(Cli.run("eval", "--model", "resnet18", "--weights", weights, "--data-dir", data), 1,
                "weights do not fit the model");
        assertOneErrorLine(Cli.run("eval", "--model", "resnet20", "--weights", weights, "--data-dir",
                dir.toString()), 1, "CIFAR-10 test file missing");
        assertOneErrorLine(Cli.run("eval", "--model", "resnet20", "--weights", weights, "--data-dir", data,
                "--split", "validation"), 2, "unknown split 'validation'");
        assertOneErrorLine(Cli.run("eval", "--model", "resnet20", "--weights", weights, "--data-dir", data,
                "--dataset", "svhn"), 2, "unknown dataset 'svhn'");

        Path truncated = dir.resolve("t/test_batch.bin");
        Files.createDirectories(truncated.getParent());
        Files.write(truncated, Files.readAllBytes(Fixtures.path("cifar_eval/test_batch.bin")));
        Files.write(truncated, new byte[] {1, 2, 3}, StandardOpenOption.APPEND);
        assertOneErrorLine(Cli.run("eval", "--model", "resnet20", "--weights", weights, "--data-dir",
                truncated.getParent().toString()), 1, "not a whole number of 3073-byte CIFAR records");

        Path badLabel = dir.resolve("l/test_batch.bin");
        Files.createDirectories(badLabel.getParent());
        byte[] rec = Arrays.copyOf(Files.readAllBytes(Fixtures.path("cifar_eval/test_batch.bin")), 3 * 3073);
        rec[2 * 3073] = 42;
        Files.write(badLabel, rec);
        assertOneErrorLine(Cli.run("eval", "--model", "resnet20", "--weights", weights, "--data-dir",
                badLabel.getParent().toString()), 1, "record 2 (byte 6146) has label 42");

        Path corrupt = dir.resolve("corrupt.safetensors");
        byte[] w = Files.readAllBytes(Fixtures.path("resnet20_trained.safetensors"));
        Files.write(corrupt, Arrays.copyOf(w, w.length / 2));
        assertOneErrorLine(Cli.run("eval", "--model", "resnet20", "--weights", corrupt.toString(), "--data-dir",
                data), 1, "truncated");
    }

    private static void assertOneErrorLine(Cli.Result r, int exit, String text) {
        assertThat(r.exit()).as("exit status; stderr: %s", r.err()).isEqualTo(exit);
        assertThat(r.err().lines().toList()).as("stderr").hasSize(1);
        assertThat(r.err()).contains("error: ").contains(text).doesNotContain("Exception", "\tat ");
        assertThat(r.out()).isEmpty();
    }
}
