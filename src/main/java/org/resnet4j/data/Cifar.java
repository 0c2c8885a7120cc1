package org.resnet4j.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * CIFAR-10 in its official binary layout ({@code cifar-10-batches-bin/}): records of one label byte and a 32×32
 * RGB image stored plane by plane (1,024 R, 1,024 G, 1,024 B), 3,073 bytes each.
 */
public final class Cifar {
    public static final String CIFAR10_DIR = "cifar-10-batches-bin";
    public static final List<String> CIFAR10_CLASSES = List.of("airplane", "automobile", "bird", "cat", "deer", "dog",
            "frog", "horse", "ship", "truck");
    private static final int IMAGE = 3 * 32 * 32;
    private static final int RECORD = 1 + IMAGE;

    private Cifar() {
    }

    /** The files of one split, train ({@code data_batch_1..5.bin}) or test ({@code test_batch.bin}). */
    public static List<String> cifar10Files(Split split) {
        if (split == Split.TEST) {
            return List.of("test_batch.bin");
        }
        if (split == Split.TRAIN) {
            return List.of("data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin",
                    "data_batch_5.bin");
        }
        throw new IllegalArgumentException("CIFAR-10 has train and test splits, not " + split.label());
    }

    /**
     * Reads one split of CIFAR-10 from {@code root}, which is either the {@code cifar-10-batches-bin} directory or
     * its parent. Only that split's files are opened.
     */
    public static Dataset load10(Path root, Split split) throws IOException {
        Path dir = Files.isDirectory(root.resolve(CIFAR10_DIR)) ? root.resolve(CIFAR10_DIR) : root;
        List<Path> files = new ArrayList<>();
        for (String name : cifar10Files(split)) {
            Path f = dir.resolve(name);
            if (!Files.isRegularFile(f)) {
                throw new NoSuchFileException(f.toString(), null, "CIFAR-10 " + split.label()
                        + " file missing (expected " + String.join(", ", cifar10Files(split)) + " in " + dir + ")");
            }
            files.add(f);
        }
        return readRecords(files, classNames(dir));
    }

    /** Class names from {@code batches.meta.txt} when present and complete, else the standard ten. */
    private static List<String> classNames(Path dir) throws IOException {
        Path meta = dir.resolve("batches.meta.txt");
        if (Files.isRegularFile(meta)) {
            List<String> names = Files.readAllLines(meta).stream().map(String::trim).filter(s -> !s.isEmpty()).toList();
            if (names.size() == 10) {
                return names;
            }
        }
        return CIFAR10_CLASSES;
    }

    static Dataset readRecords(List<Path> files, List<String> classNames) throws IOException {
        long total = 0;
        for (Path f : files) {
            long size = Files.size(f);
            if (size == 0 || size % RECORD != 0) {
                throw new DataFormatException(f + ": " + size + " bytes is not a whole number of " + RECORD
                        + "-byte CIFAR records (truncated or not a CIFAR-10 binary file)");
            }
            total += size / RECORD;
        }
        if (total * IMAGE > Integer.MAX_VALUE - 8) {
            throw new DataFormatException("too many CIFAR records for one in-memory dataset: " + total);
        }
        byte[] pixels = new byte[(int) (total * IMAGE)];
        int[] labels = new int[(int) total];
        int n = 0;
        for (Path f : files) {
            byte[] bytes = Files.readAllBytes(f);
            for (int off = 0; off < bytes.length; off += RECORD, n++) {
                int label = bytes[off] & 0xff;
                if (label >= classNames.size()) {
                    throw new DataFormatException(f + ": record " + (off / RECORD) + " (byte " + off + ") has label "
                            + label + ", outside 0.." + (classNames.size() - 1));
                }
                labels[n] = label;
                System.arraycopy(bytes, off + 1, pixels, n * IMAGE, IMAGE);
            }
        }
        return new InMemoryDataset(pixels, labels, 3, 32, 32, classNames);
    }
}
