package org.resnet4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnet4j.engine.Engine;
import org.resnet4j.io.PretrainedWeights;
import org.resnet4j.io.Weights;
import org.resnet4j.io.WeightsCache;
import org.resnet4j.model.ModelOptions;
import org.resnet4j.model.ResNets;
import org.resnet4j.testing.Cli;
import org.resnet4j.testing.DataFiles;

/**
 * predict and features with registry names, from a cache holding generated imagenet_resnet18 weights (no network:
 * the download itself is tested against a loopback server in PretrainedWeightsTest).
 */
class PretrainedCliTest {
    @TempDir
    static Path dir;

    @BeforeAll
    static void cache() throws IOException {
        Engine.start();
        Path cache = dir.resolve("cache");
        Path file = new WeightsCache(cache, "unused").path(PretrainedWeights.RESNET18_V1);
        Files.createDirectories(file.getParent());
        Weights.save(ResNets.create(ModelOptions.of("imagenet_resnet18")), List.of(), null, file);
        System.setProperty("resnet4j.cache", cache.toString());
        System.setProperty("resnet4j.weights.url", "http://127.0.0.1:9/");
        DataFiles.image(dir.resolve("photos/a.png"), "png", BufferedImage.TYPE_INT_RGB, 300, 200, 0xff336699);
        DataFiles.image(dir.resolve("photos/b.jpg"), "jpg", BufferedImage.TYPE_INT_RGB, 120, 260, 0xff996633);
    }

    @AfterAll
    static void clear() {
        System.clearProperty("resnet4j.cache");
        System.clearProperty("resnet4j.weights.url");
    }

    @Test
    void predictNamesImageNetClasses() throws IOException {
        Cli.Result r = Cli.run("predict", "--weights", "imagenet_resnet18.DEFAULT", "--json", "--top-k", "3",
                dir.resolve("photos/a.png").toString());
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode top = new ObjectMapper().readTree(r.out()).at("/predictions/0/top");
        assertThat(top).hasSize(3);
        for (JsonNode t : top) {
            assertThat(PretrainedWeights.imagenetClasses()).contains(t.get("class").asText());
        }
    }

    @Test
    void featuresOfAFolderWithPretrainedWeights() throws IOException {
        Path npy = dir.resolve("f.npy");
        Cli.Result r = Cli.run("features", "--weights", "imagenet_resnet18.IMAGENET1K_V1", "--out", npy.toString(),
                dir.resolve("photos").toString());
        assertThat(r.exit()).as(r.err()).isZero();
        byte[] b = Files.readAllBytes(npy);
        int headerLength = ByteBuffer.wrap(b, 8, 2).order(ByteOrder.LITTLE_ENDIAN).getShort();
        assertThat(new String(b, 10, headerLength, StandardCharsets.US_ASCII)).contains("'shape': (2, 512)");
    }

    @Test
    void anUnknownNameOrAnUnreachableServerIsOneLine() {
        Cli.Result unknown = Cli.run("predict", "--weights", "imagenet_resnet50.IMAGENET1K_V9",
                dir.resolve("photos/a.png").toString());
        assertThat(unknown.exit()).isNotZero();
        assertThat(unknown.err()).contains("imagenet_resnet50.IMAGENET1K_V2").hasLineCount(1);

        Cli.Result offline = Cli.run("features", "--weights", "imagenet_resnet50.DEFAULT", "--out",
                dir.resolve("g.npy").toString(), dir.resolve("photos").toString());
        assertThat(offline.exit()).isNotZero();
        assertThat(offline.err()).contains("http://127.0.0.1:9/resnet50-11ad3fa6.pth", "put it at").hasLineCount(1);
    }
}
