package org.resnet4j.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** MNIST and Fashion-MNIST: four IDX files, gzipped or not, found in the usual places. */
public final class Mnist {
    public static final List<String> DIGITS = List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");
    public static final List<String> FASHION = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");
    /** Where Debian's dataset-fashion-mnist package puts the files. */
    public static final Path DEBIAN_FASHION = Path.of("/usr/share/datasets/fashion-mnist");

    private Mnist() {
    }

    /** The base names of a split's images and labels files, without {@code .gz}. */
    public static List<String> files(Split split) {
        String prefix = switch (split) {
            case TRAIN -> "train";
            case TEST -> "t10k";
            default -> throw new IllegalArgumentException("MNIST has train and test files; carve a validation split"
                    + " from train instead");
        };
        return List.of(prefix + "-images-idx3-ubyte", prefix + "-labels-idx1-ubyte");
    }

    public static Dataset load(Path root, Split split, boolean fashion) throws IOException {
        List<String> names = files(split);
        Path dir = locate(root, fashion, names.get(0));
        return Idx.load(file(dir, names.get(0)), file(dir, names.get(1)), fashion ? FASHION : DIGITS);
    }

    /** The directories searched, in order: the layouts torchvision and the official archives use, then Debian's. */
    public static List<Path> candidates(Path root, boolean fashion) {
        List<Path> dirs = new ArrayList<>();
        String name = fashion ? "fashion-mnist" : "mnist";
        String torchvision = fashion ? "FashionMNIST" : "MNIST";
        dirs.add(root.resolve(name));
        dirs.add(root.resolve(torchvision).resolve("raw"));
        dirs.add(root);
        if (fashion) {
            dirs.add(DEBIAN_FASHION);
        }
        return dirs;
    }

    /** The directory the training files are read from, for messages; {@code root} when there are none yet. */
    public static Path directory(Path root, boolean fashion) {
        try {
            return locate(root, fashion, files(Split.TRAIN).get(0));
        } catch (NoSuchFileException e) {
            return root;
        }
    }

    /** The first candidate directory holding {@code base} (gzipped or not). */
    static Path locate(Path root, boolean fashion, String base) throws NoSuchFileException {
        for (Path dir : candidates(root, fashion)) {
            if (Files.isRegularFile(dir.resolve(base)) || Files.isRegularFile(dir.resolve(base + ".gz"))) {
                return dir;
            }
        }
        throw new NoSuchFileException(root.toString(), null, (fashion ? "Fashion-MNIST" : "MNIST") + " files missing ("
                + base + "[.gz] and its labels file, looked in " + candidates(root, fashion) + ")");
    }

    private static Path file(Path dir, String base) throws IOException {
        Path plain = dir.resolve(base);
        for (Path p : List.of(plain, dir.resolve(base + ".gz"))) {
            if (Files.isDirectory(p)) {
                throw new DataFormatException(p + ": a directory where an IDX file was expected");
            }
        }
        if (Files.isRegularFile(plain)) {
            return plain;
        }
        Path gz = dir.resolve(base + ".gz");
        if (Files.isRegularFile(gz)) {
            return gz;
        }
        throw new NoSuchFileException(plain.toString(), null, "IDX file missing (" + base + " or " + base + ".gz)");
    }
}
