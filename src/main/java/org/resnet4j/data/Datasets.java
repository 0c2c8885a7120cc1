package org.resnet4j.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.resnet4j.data.download.DatasetDownloads;
import org.resnet4j.data.download.DownloadException;
import org.resnet4j.data.transform.EvalTransform;

/** Loads the split of any dataset kind a {@link DataConfig} names, downloading missing official data on the way. */
public final class Datasets {
    private Datasets() {
    }

    /** What loading did besides reading: downloads, accepted checksum mismatches, the validation carve. */
    public interface Listener {
        Listener SILENT = new Listener() { };

        default void downloading(String file, long done, long total) {
        }

        default void note(String message) {
        }
    }

    /** Training, validation (null without a split) and test data, and how validation was chosen. */
    public record Splits(Dataset train, Dataset val, Dataset test, String validation) {
    }

    /** Training data with its validation carve (when configured), and the test split. */
    public static Splits forTraining(DataConfig c, Listener listener) throws IOException {
        if (c.kind() == DatasetKind.FOLDER && !isSplitFolder(c)) {
            throw new IllegalArgumentException("training on an image folder needs train/ and test/ (or val/) sub-folders (each"
                    + " holding class folders), so that test accuracy comes from images the model never trains on;"
                    + " a folder of class folders alone can be evaluated and predicted on");
        }
        Dataset train = read(c, Split.TRAIN, listener);
        Dataset test = read(c, Split.TEST, listener);
        if (c.valSplit() > 0) {
            TrainValSplit s = TrainValSplit.carve(train, c.valSplit(), c.seed(), c.stratified());
            return new Splits(s.train(), s.val(), test, s.description());
        }
        if (c.kind() == DatasetKind.FOLDER && ImageFolder.valIsTest(c.root())) {
            return new Splits(train, null, test, "no validation split; no test/ folder, so val/ is the test split"
                    + " (ImageNet's layout)");
        }
        if (c.kind() == DatasetKind.FOLDER && ImageFolder.hasSplitFolders(c.root())
                && c.root().resolve(Split.VAL.label()).toFile().isDirectory()) {
            return new Splits(train, read(c, Split.VAL, listener), test, "validation: the val/ folder");
        }
        return new Splits(train, null, test, "no validation split");
    }

    /**
     * Whether a folder dataset has train/test/val sub-folders; a plain folder of class folders can only be
     * evaluated and predicted on. Fails with the usual missing-folder error when the root does not exist.
     */
    public static boolean isSplitFolder(DataConfig c) throws NoSuchFileException {
        ImageFolder.splitRoot(c.root(), Split.TEST);
        return ImageFolder.hasSplitFolders(c.root());
    }

    /** One split; {@link Split#VAL} is the carve from training data, or a folder dataset's val/ folder. */
    public static Dataset load(DataConfig c, Split split, Listener listener) throws IOException {
        return load(c, split, null, listener);
    }

    /**
     * As above, with folder images prepared by {@code resizeCrop} (the evaluation transform pretrained weights were
     * measured with: resize, then centre crop), scaled to the configured size, instead of fitted; null: fitted.
     */
    public static Dataset load(DataConfig c, Split split, EvalTransform resizeCrop, Listener listener)
            throws IOException {
        if (split == Split.VAL && c.valSplit() > 0) {
            return TrainValSplit.carve(read(c, Split.TRAIN, resizeCrop, listener), c.valSplit(), c.seed(),
                    c.stratified()).val();
        }
        if (split == Split.TRAIN && c.valSplit() > 0) {
            return TrainValSplit.carve(read(c, Split.TRAIN, resizeCrop, listener), c.valSplit(), c.seed(),
                    c.stratified()).train();
        }
        if (split == Split.VAL && c.kind() != DatasetKind.FOLDER) {
            throw new IllegalArgumentException(c.kind().id() + " has no validation files: carve one from the"
                    + " training split with --val-split N");
        }
        return read(c, split, resizeCrop, listener);
    }

    private static Dataset read(DataConfig c, Split split, Listener listener) throws IOException {
        return read(c, split, null, listener);
    }

    private static Dataset read(DataConfig c, Split split, EvalTransform resizeCrop, Listener listener)
            throws IOException {
        switch (c.kind()) {
            case SYNTHETIC:
                int n = split == Split.TRAIN ? c.syntheticSize() : Math.max(1, c.syntheticSize() / 5);
                return Synthetic.create(n, c.syntheticClasses(), c.channels(), c.height(), c.width(),
                        c.seed() * 31 + split.ordinal());
            case FOLDER:
                return ImageFolder.load(ImageFolder.splitRoot(c.root(), split), folderClasses(c),
                        ImagePreparation.of(c, resizeCrop), c.decodeThreads());
            default:
                if (Files.exists(c.root()) && !Files.isDirectory(c.root())) {
                    throw new DataFormatException(c.root() + ": a file where the data folder was expected (--data-dir)");
                }
                try {
                    return readOfficial(c, split);
                } catch (NoSuchFileException missing) {
                    if (!c.download() || !DatasetDownloads.supports(c.kind())) {
                        throw missing;
                    }
                    install(c, listener, missing);
                    return readOfficial(c, split);
                }
        }
    }

    /** A folder dataset's classes: the training split's class folders (the root's without split folders). */
    public static List<String> folderClasses(DataConfig c) throws IOException {
        return ImageFolder.classNames(ImageFolder.hasSplitFolders(c.root())
                ? ImageFolder.splitRoot(c.root(), Split.TRAIN) : c.root());
    }

    /** Where a dataset's files are read from: the data directory, or where the reader found them below or beyond it. */
    public static Path location(DataConfig c) {
        return switch (c.kind()) {
            case MNIST -> Mnist.directory(c.root(), false);
            case FASHION_MNIST -> Mnist.directory(c.root(), true);
            default -> c.root();
        };
    }

    private static Dataset readOfficial(DataConfig c, Split split) throws IOException {
        return switch (c.kind()) {
            case CIFAR10 -> Cifar.load10(c.root(), split);
            case CIFAR100 -> Cifar.load100(c.root(), split, c.coarseLabels());
            case MNIST -> Mnist.load(c.root(), split, false);
            case FASHION_MNIST -> Mnist.load(c.root(), split, true);
            default -> throw new IllegalStateException(c.kind().id());
        };
    }

    private static void install(DataConfig c, Listener listener, NoSuchFileException missing) throws IOException {
        List<String> notes;
        try {
            notes = DatasetDownloads.install(c.kind(), c.root(), c.mirror(), c.allowChecksumMismatch(),
                    listener::downloading);
        } catch (DownloadException e) {
            throw new DownloadException(c.kind().id() + " is not in " + c.root() + " (" + missing.getReason() + ") and "
                    + e.getMessage() + ". " + manualInstructions(c), e);
        }
        notes.forEach(listener::note);
    }

    /** How to provide the data by hand, for the error a failed download ends in. */
    static String manualInstructions(DataConfig c) {
        DatasetDownloads.Plan plan = DatasetDownloads.plan(c.kind(), c.mirror());
        List<String> names = new ArrayList<>();
        plan.files().forEach(f -> names.add(f.fileName()));
        Path dir = plan.subdirectory().isEmpty() ? c.root() : c.root().resolve(plan.subdirectory());
        return "To install it by hand, put " + String.join(", ", names) + " (from " + plan.files().get(0).uri()
                .resolve(".") + ") in " + dir + (plan.untar() ? " to be checked and unpacked" : "")
                + ", or point --data-dir (or $" + DataLocation.ENV + ") at a folder that already holds the files";
    }
}
