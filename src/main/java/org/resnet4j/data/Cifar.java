package org.resnet4j.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * CIFAR-10 and CIFAR-100 in their official binary layouts. A CIFAR-10 record is one label byte and a 32×32 RGB
 * image stored plane by plane (1,024 R, 1,024 G, 1,024 B); a CIFAR-100 record has a coarse and a fine label byte
 * before the same image.
 */
public final class Cifar {
    public static final String CIFAR10_DIR = "cifar-10-batches-bin";
    public static final String CIFAR100_DIR = "cifar-100-binary";
    public static final List<String> CIFAR10_CLASSES = List.of("airplane", "automobile", "bird", "cat", "deer", "dog",
            "frog", "horse", "ship", "truck");
    private static final int IMAGE = 3 * 32 * 32;

    private Cifar() {
    }

    /** The files of one CIFAR-10 split: train ({@code data_batch_1..5.bin}) or test ({@code test_batch.bin}). */
    public static List<String> cifar10Files(Split split) {
        return switch (split) {
            case TEST -> List.of("test_batch.bin");
            case TRAIN -> List.of("data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin",
                    "data_batch_5.bin");
            default -> throw new IllegalArgumentException("CIFAR has train and test files; carve a validation split"
                    + " from train instead");
        };
    }

    public static List<String> cifar100Files(Split split) {
        return switch (split) {
            case TEST -> List.of("test.bin");
            case TRAIN -> List.of("train.bin");
            default -> throw new IllegalArgumentException("CIFAR has train and test files; carve a validation split"
                    + " from train instead");
        };
    }

    /** The directory holding the files: {@code root/cifar-10-batches-bin} if it exists, else {@code root}. */
    public static Path cifar10Dir(Path root) {
        return Files.isDirectory(root.resolve(CIFAR10_DIR)) ? root.resolve(CIFAR10_DIR) : root;
    }

    public static Path cifar100Dir(Path root) {
        return Files.isDirectory(root.resolve(CIFAR100_DIR)) ? root.resolve(CIFAR100_DIR) : root;
    }

    /** Reads one split of CIFAR-10 from {@code root} (the batches directory or its parent); only its files. */
    public static Dataset load10(Path root, Split split) throws IOException {
        Path dir = cifar10Dir(root);
        List<String> names = classNames(dir.resolve("batches.meta.txt"), CIFAR10_CLASSES);
        return readRecords(existing(dir, cifar10Files(split), "CIFAR-10 " + split.label()), 0, 1, names);
    }

    /** Reads one split of CIFAR-100 with its fine (100) or coarse (20) labels. */
    public static Dataset load100(Path root, Split split, boolean coarse) throws IOException {
        Path dir = cifar100Dir(root);
        Path meta = dir.resolve(coarse ? "coarse_label_names.txt" : "fine_label_names.txt");
        List<String> names = classNames(meta, null);
        if (names == null) {
            names = Dataset.padClassNames(List.of(), coarse ? 20 : 100);
        }
        return readRecords(existing(dir, cifar100Files(split), "CIFAR-100 " + split.label()), coarse ? 0 : 1, 2,
                names);
    }

    private static List<Path> existing(Path dir, List<String> names, String what) throws IOException {
        List<Path> files = new ArrayList<>();
        for (String name : names) {
            Path f = dir.resolve(name);
            if (Files.isDirectory(f)) {
                throw new DataFormatException(f + ": a directory where the " + what + " file was expected");
            }
            if (!Files.isRegularFile(f)) {
                throw new NoSuchFileException(f.toString(), null, what + " file missing (expected "
                        + String.join(", ", names) + " in " + dir + ")");
            }
            files.add(f);
        }
        return files;
    }

    /**
     * Class names, one per line, from a meta file when it is there and (given a fallback) names as many classes as
     * the fallback; the fallback otherwise.
     */
    private static List<String> classNames(Path meta, List<String> fallback) throws IOException {
        if (Files.isRegularFile(meta)) {
            List<String> names = Files.readAllLines(meta).stream().map(String::trim).filter(s -> !s.isEmpty()).toList();
            if (!names.isEmpty() && (fallback == null || names.size() == fallback.size())) {
                return names;
            }
        }
        return fallback;
    }

    /**
     * Reads records of {@code labelBytes} label bytes and an image; the label used is byte {@code labelIndex}.
     */
    static Dataset readRecords(List<Path> files, int labelIndex, int labelBytes, List<String> classNames)
            throws IOException {
        int record = labelBytes + IMAGE;
        long total = 0;
        for (Path f : files) {
            long size = Files.size(f);
            if (size == 0 || size % record != 0) {
                throw new DataFormatException(f + ": " + size + " bytes is not a whole number of " + record
                        + "-byte CIFAR records (truncated, oversized, or not a CIFAR binary file)");
            }
            total += size / record;
        }
        if (total * IMAGE > Integer.MAX_VALUE - 8) {
            throw new DataFormatException("too many CIFAR records for one in-memory dataset: " + total);
        }
        byte[] pixels = new byte[(int) (total * IMAGE)];
        int[] labels = new int[(int) total];
        int n = 0;
        for (Path f : files) {
            byte[] bytes = Files.readAllBytes(f);
            for (int off = 0; off < bytes.length; off += record, n++) {
                int label = bytes[off + labelIndex] & 0xff;
                if (label >= classNames.size()) {
                    throw new DataFormatException(f + ": record " + (off / record) + " (byte " + off + ") has label "
                            + label + ", outside 0.." + (classNames.size() - 1));
                }
                labels[n] = label;
                System.arraycopy(bytes, off + labelBytes, pixels, n * IMAGE, IMAGE);
            }
        }
        return new InMemoryDataset(pixels, labels, 3, 32, 32, classNames);
    }
}
