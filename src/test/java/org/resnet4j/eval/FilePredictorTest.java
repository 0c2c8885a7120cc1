package org.resnet4j.eval;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.lang.ref.WeakReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnet4j.data.ImageDecoder;
import org.resnet4j.testing.TestImages;

/** predict's reliability: streamed results, one file's failure never costing the others, bounded memory. */
class FilePredictorTest {
    @TempDir
    static Path dir;
    static Predictor predictor;
    static List<Path> images;

    @BeforeAll
    static void writeImages() throws IOException {
        predictor = TestImages.cifarPredictor();
        images = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            Path f = dir.resolve("img" + i + ".png");
            Files.write(f, TestImages.png(TestImages.cifar(i * 11)));
            images.add(f);
        }
    }

    /** Records what happens in order: decodes, predictions, failures. */
    private static final class Log implements FilePredictor.Sink {
        final List<String> events = new ArrayList<>();
        final List<String> failures = new ArrayList<>();

        @Override
        public void prediction(Path file, Predictor.Prediction p) {
            events.add("predicted " + file.getFileName());
        }

        @Override
        public void failure(Path file, String message) {
            events.add("failed " + file.getFileName());
            failures.add(message);
        }
    }

    @Test
    void resultsAreHandedOnBatchByBatchAsTheyAreComputed() {
        Log log = new Log();
        FilePredictor fp = new FilePredictor(predictor, 3, f -> {
            log.events.add("decoded " + f.getFileName());
            return ImageDecoder.read(f);
        });
        assertThat(fp.run(images, 2, log)).isZero();
        assertThat(log.events).containsExactly(
                "decoded img0.png", "decoded img1.png", "decoded img2.png",
                "predicted img0.png", "predicted img1.png", "predicted img2.png",
                "decoded img3.png", "decoded img4.png", "decoded img5.png",
                "predicted img3.png", "predicted img4.png", "predicted img5.png",
                "decoded img6.png", "predicted img6.png");
    }

    /** An unreadable file, a decoding error and running out of memory on one file: the others are all predicted. */
    @Test
    void oneFilesFailureNeverLosesTheOthers() throws IOException {
        Path notAnImage = Files.writeString(dir.resolve("notes.png"), "not a png");
        byte[] full = Files.readAllBytes(images.get(0));
        Path truncated = Files.write(dir.resolve("truncated.png"), Arrays.copyOf(full, full.length / 2));
        Path huge = Files.write(dir.resolve("huge.png"), TestImages.png(TestImages.cifar(3)));
        List<Path> files = new ArrayList<>(images);
        files.add(1, notAnImage);
        files.add(3, truncated);
        files.add(5, huge);
        Log log = new Log();
        FilePredictor fp = new FilePredictor(predictor, 4, f -> {
            if (f.equals(huge)) {
                throw new OutOfMemoryError("Java heap space");
            }
            return ImageDecoder.read(f);
        });
        assertThat(fp.run(files, 1, log)).isEqualTo(3);
        assertThat(log.events.stream().filter(e -> e.startsWith("predicted"))).hasSize(images.size());
        assertThat(log.failures).hasSize(3);
        assertThat(log.failures.get(0)).contains("notes.png", "not an image");
        assertThat(log.failures.get(1)).contains("truncated.png");
        assertThat(log.failures.get(2)).contains("huge.png", "out of memory decoding this image", "-Xmx");
    }

    /** A 20000×20000 PNG of 50 KB would take 1.6 GB decoded: refused from its header, the others predicted. */
    @Test
    void imagesOverThePixelLimitAreRefusedBeforeDecoding() throws IOException {
        Path bomb = Files.write(dir.resolve("bomb.png"), TestImages.pngBomb(20_000, 20_000));
        assertThat(Files.size(bomb)).isLessThan(200_000);
        Log log = new Log();
        assertThat(new FilePredictor(predictor, 8).run(List.of(images.get(0), bomb, images.get(1)), 1, log)).isOne();
        assertThat(log.events).containsExactly("failed bomb.png", "predicted img0.png", "predicted img1.png");
        assertThat(log.failures).singleElement().asString()
                .contains("bomb.png", "20000x20000", "400,000,000 pixels", "exceeds the limit of 178,956,970");
    }

    /** A batch waiting for its forward pass holds the model-sized copies, not the decoded full-size images. */
    @Test
    void aPendingBatchDoesNotKeepFullSizeImages() throws Exception {
        List<WeakReference<BufferedImage>> decoded = new ArrayList<>();
        List<Boolean> previousCollected = new ArrayList<>();
        FilePredictor fp = new FilePredictor(predictor, 64, f -> {
            if (!decoded.isEmpty()) {
                previousCollected.add(collected(decoded.get(decoded.size() - 1)));
            }
            BufferedImage big = new BufferedImage(1000, 800, BufferedImage.TYPE_INT_RGB);
            big.getGraphics().drawImage(ImageDecoder.read(f), 0, 0, 1000, 800, null);
            decoded.add(new WeakReference<>(big));
            return big;
        });
        assertThat(fp.run(images.subList(0, 4), 1, new Log())).isZero();
        assertThat(previousCollected).containsExactly(true, true, true);
    }

    private static boolean collected(WeakReference<?> ref) {
        for (int i = 0; i < 20 && ref.get() != null; i++) {
            System.gc();
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return ref.get() == null;
    }
}
