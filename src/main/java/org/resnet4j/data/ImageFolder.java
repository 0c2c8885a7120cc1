package org.resnet4j.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import org.resnet4j.data.transform.EvalTransform;

/**
 * Images in class folders, torchvision's ImageFolder layout: {@code root/<class>/<image>}, optionally under
 * {@code train/}, {@code val/} and {@code test/}. Class names are the folder names in sorted order. Images are
 * decoded once, converted and resized to the model's input, and kept as uint8.
 */
public final class ImageFolder {
    public static final Set<String> EXTENSIONS = Set.of("png", "jpg", "jpeg", "bmp", "gif");

    private ImageFolder() {
    }

    /** Whether {@code root} is laid out as ImageNet is: train/ and val/, no test/ (val/ is then the test split). */
    public static boolean valIsTest(Path root) {
        return Files.isDirectory(root.resolve(Split.TRAIN.label())) && Files.isDirectory(root.resolve(Split.VAL.label()))
                && !Files.isDirectory(root.resolve(Split.TEST.label()));
    }

    /** True when {@code root} holds split folders (train/val/test) rather than class folders. */
    public static boolean hasSplitFolders(Path root) {
        return Stream.of(Split.values()).anyMatch(s -> Files.isDirectory(root.resolve(s.label())));
    }

    /**
     * The folder holding {@code split}'s class folders; without split folders every split is the root. Without a
     * {@code test/} folder the test split is {@code val/}: ImageNet's layout ({@code train/} + {@code val/}).
     */
    public static Path splitRoot(Path root, Split split) throws NoSuchFileException {
        if (!Files.isDirectory(root)) {
            throw new NoSuchFileException(root.toString(), null, "image folder missing");
        }
        if (!hasSplitFolders(root)) {
            return root;
        }
        if (split == Split.TEST && !Files.isDirectory(root.resolve(Split.TEST.label()))
                && Files.isDirectory(root.resolve(Split.VAL.label()))) {
            return root.resolve(Split.VAL.label());
        }
        Path dir = root.resolve(split.label());
        if (!Files.isDirectory(dir)) {
            throw new NoSuchFileException(dir.toString(), null, "no " + split.label() + " folder in " + root
                    + (split == Split.TEST ? " (nor a val/ folder to evaluate on)" : ""));
        }
        return dir;
    }

    /** The class folders under {@code dir}, sorted; hidden folders are skipped. */
    public static List<String> classNames(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            List<String> names = s.filter(Files::isDirectory).map(p -> p.getFileName().toString())
                    .filter(n -> !n.startsWith(".")).sorted().toList();
            if (names.isEmpty()) {
                throw new DataFormatException(dir + ": no class folders (expected " + dir + "/<class>/<image>)");
            }
            return names;
        }
    }

    /**
     * Loads every image under {@code dir}'s class folders, whose names must be among {@code classNames}; files
     * with other extensions are ignored, as torchvision does, and an image file that does not decode is an error.
     */
    public static Dataset load(Path dir, List<String> classNames, int channels, int height, int width,
            ImageDecoder.Fit fit, int threads) throws IOException {
        return load(dir, classNames, ImagePreparation.fitted(channels, height, width, fit), threads);
    }

    /**
     * As above, with every image prepared by {@code resizeCrop} (torchvision's evaluation preset: the short side
     * resized, then a centre crop, as pretrained weights were measured) into 3×crop×crop RGB instead of fitted.
     */
    public static Dataset load(Path dir, List<String> classNames, EvalTransform resizeCrop, int threads)
            throws IOException {
        return load(dir, classNames, ImagePreparation.resizeCrop(resizeCrop), threads);
    }

    /** As above, with every image prepared by {@code prep}. */
    public static Dataset load(Path dir, List<String> classNames, ImagePreparation prep, int threads)
            throws IOException {
        return load(dir, classNames, prep.channels(), prep.height(), prep.width(), threads,
                (file, dst, offset) -> prep.toRecord(ImageDecoder.read(file), dst, offset));
    }

    /** Makes one image file into a record at {@code dst[offset..]}. */
    private interface Decoder {
        void decode(Path file, byte[] dst, int offset) throws IOException;
    }

    private static Dataset load(Path dir, List<String> classNames, int channels, int height, int width, int threads,
            Decoder decoder) throws IOException {
        List<Path> files = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        for (String cls : classNames(dir)) {
            int label = classNames.indexOf(cls);
            if (label < 0) {
                throw new DataFormatException(dir.resolve(cls) + ": class '" + cls + "' is not among the training"
                        + " classes " + classNames);
            }
            List<Path> images = images(dir.resolve(cls));
            if (images.isEmpty()) {
                throw new DataFormatException(dir.resolve(cls) + ": class folder holds no images ("
                        + String.join(", ", EXTENSIONS.stream().sorted().toList()) + ")");
            }
            files.addAll(images);
            images.forEach(f -> labels.add(label));
        }
        int record = channels * height * width;
        byte[] pixels = new byte[Math.multiplyExact(files.size(), record)];
        ForkJoinPool pool = new ForkJoinPool(Math.max(1, threads));
        try {
            pool.submit(() -> IntStream.range(0, files.size()).parallel().forEach(i -> {
                try {
                    decoder.decode(files.get(i), pixels, i * record);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            })).get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof UncheckedIOException u) {
                throw u.getCause();
            }
            throw new IOException(cause.getMessage(), cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while decoding images", e);
        } finally {
            pool.shutdown();
        }
        return new InMemoryDataset(pixels, labels.stream().mapToInt(Integer::intValue).toArray(), channels, height,
                width, classNames);
    }

    private static List<Path> images(Path classDir) throws IOException {
        try (Stream<Path> s = Files.walk(classDir)) {
            return s.filter(Files::isRegularFile).filter(ImageFolder::isImageName).sorted().toList();
        }
    }

    public static boolean isImageName(Path p) {
        String name = p.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return !name.startsWith(".") && dot > 0 && EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
    }
}
