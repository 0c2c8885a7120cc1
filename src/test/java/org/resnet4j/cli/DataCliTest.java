package org.resnet4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnet4j.testing.Cli;
import org.resnet4j.testing.DataFiles;

class DataCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void infoDescribesEveryKindOfDataset() throws IOException {
        DataFiles.cifar10(dir, 4, 6);
        DataFiles.mnist(dir.resolve("mnist"), 20, 10, true);
        DataFiles.image(dir.resolve("pics/b/1.png"), "png", BufferedImage.TYPE_INT_RGB, 50, 40, 0xFF102030);
        DataFiles.image(dir.resolve("pics/a/2.jpg"), "jpg", BufferedImage.TYPE_INT_RGB, 20, 20, 0xFFFFFFFF);

        JsonNode cifar = info("--data-dir", dir.toString(), "--val-split", "5");
        assertThat(cifar.at("/splits/train/images").asInt()).isEqualTo(15);
        assertThat(cifar.at("/splits/val/images").asInt()).isEqualTo(5);
        assertThat(cifar.at("/splits/test/images").asInt()).isEqualTo(6);
        assertThat(cifar.get("classes").get(0).asText()).isEqualTo("a");

        JsonNode mnist = info("--dataset", "mnist", "--data-dir", dir.toString());
        assertThat(mnist.get("shape").toString()).isEqualTo("[1,28,28]");
        assertThat(mnist.at("/splits/test/per_class/3").asInt()).isEqualTo(1);

        JsonNode folder = info("--dataset", "folder", "--data-dir", dir.resolve("pics").toString(), "--image-size",
                "16", "--channels", "1");
        assertThat(folder.get("shape").toString()).isEqualTo("[1,16,16]");
        assertThat(folder.get("classes").toString()).isEqualTo("[\"a\",\"b\"]");
        assertThat(folder.at("/splits/images/images").asInt()).isEqualTo(2);
        assertThat(folder.get("splits").has("train")).isFalse();

        JsonNode synthetic = info("--dataset", "synthetic", "--synthetic-size", "100", "--synthetic-classes", "4");
        assertThat(synthetic.at("/splits/train/images").asInt()).isEqualTo(100);
        assertThat(synthetic.at("/splits/test/images").asInt()).isEqualTo(20);
    }

    @Test
    void pipelineBenchmarkReportsImagesPerSecond() throws IOException {
        Cli.Result r = Cli.run("data", "bench", "--dataset", "synthetic", "--synthetic-size", "600", "--batches",
                "10", "--workers", "1,2", "--json");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode o = JSON.readTree(r.out());
        assertThat(o.get("results")).hasSize(2);
        assertThat(o.get("images_per_second").asDouble()).isPositive();
    }

    @Test
    void badDataRequestsGetOneErrorLine() {
        Cli.Result r = Cli.run("data", "info", "--dataset", "imagenet");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("unknown dataset 'imagenet'").hasLineCount(1);
        r = Cli.run("data", "info", "--dataset", "cifar10", "--data-dir", dir.toString(), "--no-download");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("CIFAR-10 train file missing").hasLineCount(1);
        r = Cli.run("data", "info", "--dataset", "cifar10", "--image-size", "64", "--data-dir", dir.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("--image-size applies to folder and synthetic data").hasLineCount(1);
        r = Cli.run("data", "info", "--dataset", "folder", "--data-dir", dir.resolve("none").toString());
        assertThat(r.err()).contains("image folder missing").hasLineCount(1);
        r = Cli.run("data");
        assertThat(r.err()).contains("a subcommand is required").hasLineCount(1);
    }

    private static JsonNode info(String... args) throws IOException {
        String[] all = new String[args.length + 3];
        all[0] = "data";
        all[1] = "info";
        System.arraycopy(args, 0, all, 2, args.length);
        all[all.length - 1] = "--json";
        Cli.Result r = Cli.run(all);
        assertThat(r.exit()).as(r.err()).isZero();
        return JSON.readTree(r.out());
    }
}
