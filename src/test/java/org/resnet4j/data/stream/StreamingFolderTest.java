package org.resnet4j.data.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnet4j.data.BadImageException;
import org.resnet4j.data.Batch;
import org.resnet4j.data.BatchStream;
import org.resnet4j.data.DataFormatException;
import org.resnet4j.data.Normalization;
import org.resnet4j.data.transform.EvalTransform;
import org.resnet4j.data.transform.OutputLayout;
import org.resnet4j.data.transform.TrainTransform;
import org.resnet4j.data.image.Resample;
import org.resnet4j.engine.Tensors;

public class StreamingFolderTest {
    public static final Normalization NORM_PUBLIC = new Normalization(new float[] {0.485f, 0.456f, 0.406f},
            new float[] {0.229f, 0.224f, 0.225f});
    static final Normalization NORM = new Normalization(new float[] {0.485f, 0.456f, 0.406f},
            new float[] {0.229f, 0.224f, 0.225f});

    @TempDir
    Path dir;

    /** A JPEG whose colours depend on {@code seed}, {@code w}×{@code h}. */
    public static Path jpeg(Path file, int seed, int w, int h) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, ((seed * 37 + x * 5) & 0xff) << 16 | ((seed * 91 + y * 7) & 0xff) << 8
                        | ((x * y + seed) & 0xff));
            }
        }
        Files.createDirectories(file.getParent());
        ImageIO.write(img, "jpg", file.toFile());
        return file;
    }

    /** {@code perClass} JPEGs in each of classes a, b, c. */
    public static Path folder(Path root, int perClass) throws IOException {
        int k = 0;
        for (String c : List.of("a", "b", "c")) {
            for (int i = 0; i < perClass; i++) {
                jpeg(root.resolve(c).resolve(String.format("%03d.jpg", i)), k++, 40 + i, 30 + k % 7);
            }
        }
        return root;
    }

    static void ageFolders(Path root) throws IOException {
        FileTime old = FileTime.from(System.currentTimeMillis() - TimeUnit.HOURS.toMillis(1), TimeUnit.MILLISECONDS);
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.filter(Files::isDirectory).toList()) {
                Files.setLastModifiedTime(p, old);
            }
        }
    }

    @Test
    void theIndexListsImagesWithLabelsAndIsCachedUntilTheFolderChanges() throws IOException {
        Path root = folder(dir.resolve("train"), 4);
        Files.writeString(root.resolve("b/notes.txt"), "not an image");
        jpeg(root.resolve("c/sub/deeper.jpeg"), 99, 20, 20);
        List<String> notes = new ArrayList<>();
        ageFolders(root);
        FolderIndex idx = FolderIndex.load(root, null, true, FolderIndex.Cache.BESIDE_DATA, 2, notes::add);
        assertThat(idx.size()).isEqualTo(13);
        assertThat(idx.classNames()).containsExactly("a", "b", "c");
        assertThat(idx.perClass()).containsExactly(4, 4, 5);
        assertThat(idx.relative(0)).isEqualTo("a/000.jpg");
        assertThat(idx.relative(12)).isEqualTo("c/sub/deeper.jpeg");
        assertThat(idx.label(12)).isEqualTo(2);
        assertThat(idx.fromCache()).isFalse();
        assertThat(notes).anyMatch(n -> n.contains("ignored 1 file(s) without an image extension (e.g. b/notes.txt)"));
        assertThat(root.resolve(FolderIndex.CACHE_NAME)).exists();

        FolderIndex again = FolderIndex.load(root, null, true, FolderIndex.Cache.BESIDE_DATA, 2, notes::add);
        assertThat(again.fromCache()).isTrue();
        assertThat(again.size()).isEqualTo(13);
        assertThat(again.relative(12)).isEqualTo("c/sub/deeper.jpeg");
        assertThat(again.nonImageFiles()).isEqualTo(1);

        jpeg(root.resolve("c/sub/new.jpg"), 5, 20, 20); // a change deep in a class folder
        FolderIndex changed = FolderIndex.load(root, null, true, FolderIndex.Cache.BESIDE_DATA, 2, notes::add);
        assertThat(changed.fromCache()).isFalse();
        assertThat(changed.size()).isEqualTo(14);

        Files.writeString(root.resolve(FolderIndex.CACHE_NAME), "damaged");
        ageFolders(root);
        assertThat(FolderIndex.load(root, null, true, FolderIndex.Cache.BESIDE_DATA, 1, n -> { }).size())
                .isEqualTo(14);
    }

    @Test
    void aReadOnlyFolderCachesItsIndexInTheGivenFolder() throws IOException {
        Path root = folder(dir.resolve("data"), 2);
        ageFolders(root);
        Path elsewhere = Files.createDirectories(dir.resolve("run"));
        FolderIndex.Cache cache = new FolderIndex.Cache(false, elsewhere);
        FolderIndex.load(root, null, true, cache, 1, n -> { });
        assertThat(elsewhere.resolve(FolderIndex.fallbackName(root))).exists();
        assertThat(FolderIndex.load(root, null, true, cache, 1, n -> { }).fromCache()).isTrue();
    }

    @Test
    void emptyClassesAndClassesOnlyInValidationAreClearErrors() throws IOException {
        Path train = folder(dir.resolve("train"), 2);
        Files.createDirectories(train.resolve("d"));
        assertThatThrownBy(() -> FolderIndex.load(train, null, true, FolderIndex.Cache.NONE, 1, n -> { }))
                .isInstanceOf(DataFormatException.class).hasMessageContaining("1 class folder(s) hold no images (d)");

        Path val = folder(dir.resolve("val"), 1);
        Files.createDirectories(val.resolve("e"));
        jpeg(val.resolve("e/x.jpg"), 1, 10, 10);
        assertThatThrownBy(() -> FolderIndex.load(val, List.of("a", "b", "c", "d"), false, FolderIndex.Cache.NONE,
                1, n -> { })).isInstanceOf(DataFormatException.class)
                .hasMessageContaining("class folder 'e' is not among the 4 training classes");

        Files.delete(val.resolve("e/x.jpg"));
        Files.delete(val.resolve("e"));
        List<String> notes = new ArrayList<>();
        FolderIndex v = FolderIndex.load(val, List.of("a", "b", "c", "d"), false, FolderIndex.Cache.NONE, 1,
                notes::add);
        assertThat(v.size()).isEqualTo(3);
        assertThat(notes).anyMatch(n -> n.contains("no images of 1 class(es): d"));
    }

    private static StreamingLoader loader(FolderIndex idx, boolean train, int workers, BadImages.Policy policy,
            List<String> reports) {
        OutputLayout layout = new OutputLayout(NORM, 3, false);
        StreamingLoader.Options o = train
                ? StreamingLoader.Options.training(4, workers, 11, TrainTransform.imagenet(16), layout, policy)
                : StreamingLoader.Options.evaluation(4, workers, new EvalTransform(20, 16, Resample.Filter.BILINEAR,
                        false), layout, policy);
        return new StreamingLoader(new FolderSource(idx), o, (f, r) -> reports.add(f + ": " + r));
    }

    private static List<float[]> epoch(StreamingLoader l, int e, List<long[]> labels) {
        List<float[]> out = new ArrayList<>();
        try (BatchStream s = l.epoch(e, 0)) {
            while (s.hasNext()) {
                try (Batch b = s.next()) {
                    out.add(Tensors.toFloats(b.images()));
                    labels.add(Tensors.toLongs(b.labels()));
                }
            }
        }
        return out;
    }

    @Test
    void batchesAreDecodedPerStepAndRepeatWithAnyNumberOfWorkers() throws IOException {
        FolderIndex idx = FolderIndex.build(folder(dir.resolve("train"), 5), null, 1);
        List<String> reports = Collections.synchronizedList(new ArrayList<>());
        List<long[]> labels1 = new ArrayList<>();
        List<long[]> labels2 = new ArrayList<>();
        List<float[]> one;
        List<float[]> two;
        try (StreamingLoader l = loader(idx, true, 1, BadImages.Policy.FAIL, reports)) {
            assertThat(l.batchesPerEpoch()).isEqualTo(3); // 15 images, batches of 4, last one dropped
            one = epoch(l, 0, labels1);
            List<float[]> next = epoch(l, 1, new ArrayList<>());
            assertThat(next.get(0)).isNotEqualTo(one.get(0)); // another epoch, another order and other crops
        }
        try (StreamingLoader l = loader(idx, true, 2, BadImages.Policy.FAIL, reports)) {
            two = epoch(l, 0, labels2);
        }
        assertThat(one).hasSize(3);
        assertThat(one.get(0)).hasSize(4 * 3 * 16 * 16);
        for (int b = 0; b < 3; b++) {
            assertThat(two.get(b)).containsExactly(one.get(b));
            assertThat(labels2.get(b)).containsExactly(labels1.get(b));
        }
        assertThat(reports).isEmpty();
    }

    @Test
    void badImagesAreReportedCountedAndSkippedOrFatal() throws IOException {
        Path root = folder(dir.resolve("train"), 4);
        Files.write(root.resolve("a/broken.jpg"), new byte[] {(byte) 0xFF, (byte) 0xD8, 1, 2, 3});
        byte[] whole = Files.readAllBytes(root.resolve("b/000.jpg"));
        Files.write(root.resolve("b/partial.jpg"), java.util.Arrays.copyOf(whole, whole.length / 2));
        jpeg(root.resolve("c/extra1.jpg"), 50, 30, 30);
        jpeg(root.resolve("c/extra2.jpg"), 51, 30, 30);
        FolderIndex idx = FolderIndex.build(root, null, 1);
        assertThat(idx.size()).isEqualTo(16); // four whole batches: every image is met each epoch

        List<String> reports = Collections.synchronizedList(new ArrayList<>());
        try (StreamingLoader l = loader(idx, true, 2, BadImages.Policy.SKIP, reports)) {
            List<float[]> batches = new ArrayList<>();
            for (int e = 0; e < 2; e++) {
                batches.addAll(epoch(l, e, new ArrayList<>()));
                assertThat(l.badImages(e)).isEqualTo(2);
            }
            assertThat(batches).allMatch(b -> b.length == 4 * 3 * 16 * 16); // replaced, never a short batch
        }
        assertThat(reports).hasSize(2); // once per file, not once per epoch
        assertThat(reports).anyMatch(r -> r.contains("broken.jpg: truncated or invalid JPEG"));
        assertThat(reports).anyMatch(r -> r.contains("partial.jpg: truncated JPEG"));

        reports.clear();
        try (StreamingLoader l = loader(idx, false, 1, BadImages.Policy.SKIP, reports)) {
            List<long[]> labels = new ArrayList<>();
            epoch(l, 0, labels);
            assertThat(labels.stream().mapToInt(x -> x.length).sum()).isEqualTo(14); // evaluation leaves them out
            assertThat(l.badImages(0)).isEqualTo(2);
        }

        try (StreamingLoader l = loader(idx, false, 2, BadImages.Policy.FAIL, reports);
             BatchStream s = l.epoch(0, 0)) {
            assertThatThrownBy(() -> {
                while (s.hasNext()) {
                    s.next().close();
                }
            }).isInstanceOf(BadImageException.class).hasMessageContaining("broken.jpg")
                    .hasMessageContaining("--on-bad-image skip");
        }
    }
}
