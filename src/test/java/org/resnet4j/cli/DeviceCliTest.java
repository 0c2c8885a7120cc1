package org.resnet4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnet4j.engine.Devices;
import org.resnet4j.testing.Cli;
import org.resnet4j.testing.DataFiles;

/**
 * {@code --device} on the command line, as a machine without CUDA sees it: the CPU path end to end with the device
 * given explicitly, and one clear line, with no run folder left behind, for a device or precision that is not here.
 */
class DeviceCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] TINY = {"--model", "resnet20", "--dataset", "synthetic", "--synthetic-size", "96",
        "--synthetic-classes", "3", "--image-size", "16", "--batch-size", "32", "--epochs", "1", "--seed", "3"};

    @TempDir
    Path dir;

    @Test
    void cudaWithoutCudaIsOneLineAndLeavesNoRunFolder() {
        Assumptions.assumeTrue(Devices.cudaDeviceCount() == 0, "a CUDA device is present");
        Path out = dir.resolve("run");
        for (String device : new String[] {"cuda", "cuda:1"}) {
            Cli.Result r = Cli.run(concat("train", "--device", device, "--out", out.toString()));
            assertOneLine(r, 1, "--device cuda:");
            assertThat(r.err()).contains(Devices.cudaBuild() ? "no CUDA device" : Devices.gpuNativesPresent()
                    ? "its CUDA part did not load" : "CPU-only libtorch natives");
            assertThat(out).doesNotExist();
        }
        Cli.Result bench = Cli.run("bench", "--model", "resnet20", "--device", "cuda", "--steps", "1");
        assertOneLine(bench, 1, "--device cuda:0");
        Cli.Result eval = Cli.run("eval", "--model", "resnet20", "--weights", dir.resolve("none.pt").toString(),
                "--device", "cuda");
        assertThat(eval.exit()).isNotZero();
        assertThat(eval.errorLines()).hasSize(1);
    }

    @Test
    void badDevicesAndFp16OnTheCpuAreOneLine() {
        Path out = dir.resolve("run");
        for (String bad : new String[] {"cuda:x", "tpu", "gpu", "cuda:-1"}) {
            Cli.Result r = Cli.run(concat("train", "--device", bad, "--out", out.toString()));
            assertOneLine(r, 2, "'" + bad + "' is not a device: use cpu, cuda, cuda:N (N = 0, 1, ...) or auto");
        }
        Cli.Result fp16 = Cli.run(concat("train", "--device", "cpu", "--precision", "fp16", "--out", out.toString()));
        assertOneLine(fp16, 2, "--precision fp16 needs a CUDA device");
        assertThat(out).doesNotExist();
        assertOneLine(Cli.run("predict", "--weights", "x.ckpt", "--device", "tpu", "a.png"), 2,
                "'tpu' is not a device");
        assertOneLine(Cli.run("info", "--device", "cpu"), 2, "Unknown option");
    }

    @Test
    void theCpuPathRunsEndToEndWithTheDeviceGiven() throws Exception {
        Path run = dir.resolve("run");
        Cli.Result train = Cli.run(concat("train", "--device", "cpu", "--out", run.toString()));
        assertThat(train.exit()).as(train.err()).isZero();
        JsonNode config = JSON.readTree(Files.readString(run.resolve("config.json")));
        assertThat(config.at("/engine/device").asText()).isEqualTo("cpu");
        assertThat(config.at("/engine/cudnn_benchmark").asBoolean()).isFalse();

        // a resumed run may move to another device, as it may change its thread count
        Cli.Result resumed = Cli.run("train", "--resume", run.toString(), "--device", "auto", "--epochs", "2");
        assertThat(resumed.exit()).as(resumed.err()).isZero();
        assertThat(JSON.readTree(Files.readString(run.resolve("config.json"))).at("/engine/device").asText())
                .isEqualTo("auto");

        Cli.Result eval = Cli.run("eval", "--weights", run.resolve("best.ckpt").toString(), "--device", "cpu",
                "--json");
        assertThat(eval.exit()).as(eval.err()).isZero();
        assertThat(JSON.readTree(eval.out()).get("n").asLong()).isPositive();

        Path img = dir.resolve("a.png");
        DataFiles.image(img, "png", BufferedImage.TYPE_INT_RGB, 20, 12, 0xff336699);
        Cli.Result predict = Cli.run("predict", "--weights", run.resolve("best.ckpt").toString(), "--device", "cpu",
                "--json", img.toString());
        assertThat(predict.exit()).as(predict.err()).isZero();
        assertThat(predict.out()).contains("class_");

        Cli.Result bench = Cli.run("bench", "--model", "resnet20", "--device", "cpu", "--batch-size", "4",
                "--warmup", "0", "--steps", "1", "--json");
        assertThat(bench.exit()).as(bench.err()).isZero();
        assertThat(JSON.readTree(bench.out()).get("device").asText()).isEqualTo("cpu");

        Cli.Result info = Cli.run("info", "--json");
        assertThat(info.exit()).as(info.err()).isZero();
        JsonNode i = JSON.readTree(info.out());
        assertThat(i.get("devices").get(0).asText()).isEqualTo("cpu");
        assertThat(i.has("cuda") && i.has("cudnn") && i.has("cuda_build")).isTrue();
    }

    private static void assertOneLine(Cli.Result r, int exit, String text) {
        assertThat(r.exit()).as(r.err()).isEqualTo(exit);
        assertThat(r.err()).contains("error: ", text).doesNotContain("\tat ");
        assertThat(r.errorLines()).as(r.err()).hasSize(1);
    }

    private static String[] concat(String command, String... more) {
        String[] all = new String[1 + TINY.length + more.length];
        all[0] = command;
        System.arraycopy(TINY, 0, all, 1, TINY.length);
        System.arraycopy(more, 0, all, 1 + TINY.length, more.length);
        return all;
    }
}
