package org.resnet4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnet4j.data.ImageLimits;
import org.resnet4j.testing.Cli;
import org.resnet4j.testing.Fixtures;
import org.resnet4j.testing.TestImages;

/** predict as issue 11 asks: nothing lost to one bad file, oversized images refused, empty folders said so. */
class PredictReliabilityTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static String weights;
    static Path good;

    @BeforeAll
    static void images() throws IOException {
        weights = Fixtures.path("resnet20_trained.safetensors").toString();
        good = Files.createDirectories(dir.resolve("good"));
        for (int i = 0; i < 3; i++) {
            Files.write(good.resolve("cifar" + i + ".png"), TestImages.png(TestImages.cifar(i * 20)));
        }
    }

    /** predict sets the process-wide pixel limit; --max-image-pixels 1000 must not stay for the classes after this. */
    @AfterEach
    void restoreTheLimit() {
        ImageLimits.setMaxPixels(ImageLimits.DEFAULT_MAX_PIXELS);
    }

    private static Cli.Result predict(String... args) {
        List<String> a = new ArrayList<>(List.of("predict", "--weights", weights, "--model", "resnet20"));
        a.addAll(Arrays.asList(args));
        return Cli.run(a.toArray(new String[0]));
    }

    @Test
    void anEmptyFolderOrOneWithoutImagesIsAnError() throws IOException {
        Path empty = Files.createDirectories(dir.resolve("empty"));
        Cli.Result r = predict(empty.toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).isEmpty();
        assertThat(r.errorLines()).singleElement().asString().contains("no images to read: " + empty
                + " holds no PNG, JPEG, BMP or GIF files");

        Path notes = Files.createDirectories(dir.resolve("notes"));
        Files.writeString(notes.resolve("readme.txt"), "no pictures here");
        assertThat(predict(notes.toString(), empty.toString()).errorLines()).singleElement().asString()
                .contains("the folders hold no PNG");

        // next to a folder with images: its images are predicted, the empty one is named, and the exit says so
        Cli.Result mixed = predict(good.toString(), empty.toString());
        assertThat(mixed.exit()).isEqualTo(1);
        assertThat(mixed.out().lines()).hasSize(3);
        assertThat(mixed.errorLines()).singleElement().asString().contains(empty + ": no PNG, JPEG, BMP or GIF files");
    }

    @Test
    void anImageOverThePixelLimitIsRefusedAndTheOthersArePredicted() throws IOException {
        Path bomb = Files.write(dir.resolve("bomb.png"), TestImages.pngBomb(20_000, 20_000));
        Cli.Result r = predict("--batch-size", "2", good.resolve("cifar0.png").toString(), bomb.toString(),
                good.resolve("cifar1.png").toString(), good.resolve("cifar2.png").toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out().lines()).hasSize(3).allSatisfy(l -> assertThat(l).contains("cifar").doesNotContain("bomb"));
        assertThat(r.errorLines()).singleElement().asString().contains("bomb.png", "400,000,000 pixels",
                "exceeds the limit of 178,956,970", "(skipped)");

        Cli.Result j = predict("--json", "--max-image-pixels", "1000", good.toString(), bomb.toString());
        assertThat(j.exit()).isEqualTo(1);
        JsonNode o = JSON.readTree(j.out());
        assertThat(o.get("predictions")).hasSize(3);
        assertThat(o.at("/predictions/0/top")).hasSize(5);
        assertThat(o.get("errors")).singleElement().satisfies(e -> assertThat(e.get("error").asText())
                .contains("exceeds the limit of 2,000"));
    }

    /**
     * A real out-of-memory error on one file, in a JVM with a small heap: a 6000×6000 PNG of 60 KB needs 144 MB as
     * RGB. The files before and after it are still predicted.
     */
    @Test
    void runningOutOfMemoryOnOneFileKeepsTheOthers() throws Exception {
        Path big = Files.write(dir.resolve("big.png"), TestImages.pngBomb(6000, 6000));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Path out = dir.resolve("oom-out.txt");
        Path err = dir.resolve("oom-err.txt");
        Process p = new ProcessBuilder(java, "-Xmx96m", "-cp", cp, "org.resnet4j.cli.Main", "predict", "--weights",
                weights, "--model", "resnet20", "--batch-size", "8", "--threads", "1",
                good.resolve("cifar0.png").toString(), big.toString(), good.resolve("cifar1.png").toString())
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        String errText = Files.readString(err);
        assertThat(p.exitValue()).as(errText).isEqualTo(1);
        assertThat(Files.readAllLines(out)).hasSize(2).allSatisfy(l -> assertThat(l).contains("cifar"));
        assertThat(errText.lines().filter(l -> l.contains("error:"))).singleElement().asString()
                .contains("big.png: out of memory decoding this image", "(skipped)");
    }
}
