package org.resnet4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnet4j.data.stream.StreamingFolderTest;
import org.resnet4j.testing.Cli;

class DataStreamCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void packThenBenchTheShardsAndTheFolder() throws IOException {
        Path root = dir.resolve("images");
        StreamingFolderTest.folder(root.resolve("train"), 6);
        StreamingFolderTest.folder(root.resolve("val"), 2);
        Files.write(root.resolve("train/a/broken.jpg"), new byte[] {(byte) 0xFF, (byte) 0xD8, 0});

        Path shards = dir.resolve("shards");
        Cli.Result pack = Cli.run("data", "pack", "--data-dir", root.toString(), "--out", shards.toString(),
                "--shard-samples", "5", "--json");
        assertThat(pack.exit()).as("an image was left out").isEqualTo(1);
        assertThat(pack.err()).contains("broken.jpg");
        JsonNode p = JSON.readTree(pack.out());
        assertThat(p.at("/splits/train/samples").asInt()).isEqualTo(18);
        assertThat(p.at("/splits/train/shards").asInt()).isEqualTo(4);
        assertThat(p.at("/splits/val/samples").asInt()).isEqualTo(6);
        assertThat(shards.resolve("shards.json")).exists();

        for (String[] source : new String[][] {{"--shards", shards.toString()},
            {"--dataset", "folder", "--data-dir", root.toString(), "--stream"}}) {
            String[] args = new String[] {"data", "bench", source[0], source[1], "--workers", "1", "--batch-size",
                "4", "--batches", "3", "--image-size", "32", "--json"};
            if (source.length > 2) {
                args = new String[] {"data", "bench", source[0], source[1], source[2], source[3], source[4],
                    "--workers", "1", "--batch-size", "4", "--batches", "3", "--image-size", "32", "--json"};
            }
            Cli.Result r = Cli.run(args);
            assertThat(r.exit()).as(r.err()).isZero();
            JsonNode o = JSON.readTree(r.out());
            assertThat(o.at("/results/0/images").asInt()).isEqualTo(12);
            assertThat(o.at("/results/0/images_per_cpu_second").asDouble()).isPositive();
            assertThat(o.get("transform").asText()).startsWith("RandomResizedCrop(32");
        }
    }

    @Test
    void badOptionsGetOneLine() {
        Cli.Result r = Cli.run("data", "bench", "--dataset", "folder", "--data-dir", dir.toString(), "--stream",
                "--max-image-pixels", "lots");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("a pixel limit is a positive number of pixels or 'none'").hasLineCount(1);
        r = Cli.run("data", "bench", "--shards", dir.resolve("nowhere").toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("shard folder missing").hasLineCount(1);
        r = Cli.run("data", "pack", "--data-dir", dir.resolve("nothing").toString(), "--out", dir.toString());
        assertThat(r.exit()).isNotZero();
        assertThat(r.err()).hasLineCount(1);
    }
}
