package org.resnet4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.util.Locale;

import org.resnet4j.data.DataConfig;
import org.resnet4j.data.DataLocation;
import org.resnet4j.data.DatasetKind;
import org.resnet4j.data.Datasets;
import org.resnet4j.data.ImageDecoder;
import org.resnet4j.data.Preprocessing;
import org.resnet4j.io.Weights;
import org.resnet4j.model.ResNet;
import org.resnet4j.model.Shape;
import org.resnet4j.train.Checkpoint;
import org.resnet4j.train.TrainConfig;

import picocli.CommandLine.Option;

/** The options that say which data a command reads. */
final class DataOptions {
    @Option(names = "--dataset", paramLabel = "NAME",
            description = "cifar10 (default), cifar100, mnist, fashion-mnist, folder or synthetic")
    String dataset;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "where the data lies (default: $RESNET4J_DATA, then ./data); for folder: the image root")
    Path dataDir;

    @Option(names = "--val-split", paramLabel = "N", defaultValue = "0",
            description = "carve N training images out as a validation set (default: none)")
    int valSplit;

    @Option(names = "--val-seed", paramLabel = "SEED", defaultValue = "0",
            description = "seed of the validation carve (default ${DEFAULT-VALUE})")
    long valSeed;

    @Option(names = "--no-stratify", description = "draw the validation carve at random, not class by class")
    boolean noStratify;

    @Option(names = "--image-size", paramLabel = "N",
            description = "folder and synthetic images are brought to NxN (default: the model's input size)")
    Integer imageSize;

    @Option(names = "--fit", paramLabel = "crop|pad", defaultValue = "crop",
            description = "folder images of another aspect ratio: centre-crop or pad (default ${DEFAULT-VALUE})")
    String fit;

    @Option(names = "--coarse", description = "CIFAR-100: the 20 coarse labels instead of the 100 fine ones")
    boolean coarse;

    @Option(names = "--no-download", description = "never download missing official data")
    boolean noDownload;

    @Option(names = "--allow-checksum-mismatch",
            description = "accept a downloaded or supplied archive whose MD5 is not the published one")
    boolean allowChecksumMismatch;

    @Option(names = "--mirror", paramLabel = "URL", description = "download from this base address instead")
    URI mirror;

    @Option(names = "--synthetic-size", paramLabel = "N", defaultValue = "50000",
            description = "synthetic dataset: training images (test: a fifth) (default ${DEFAULT-VALUE})")
    int syntheticSize;

    @Option(names = "--synthetic-classes", paramLabel = "N", defaultValue = "10",
            description = "synthetic dataset: classes (default ${DEFAULT-VALUE})")
    int syntheticClasses;

    @Option(names = "--data-workers", paramLabel = "N", defaultValue = "1",
            description = "threads assembling batches ahead of the model (default ${DEFAULT-VALUE})")
    int workers;

    /** The dataset named on the command line, else {@code fallback} (for example the one a model was trained on). */
    DatasetKind kind(String fallback) {
        return DatasetKind.parse(dataset != null ? dataset : fallback);
    }

    DatasetKind kind() {
        return kind("cifar10");
    }

    /** The data configuration; folders and synthetic data take {@code input}'s channels and size. */
    DataConfig config(Shape input) {
        return config(kind(), input);
    }

    DataConfig config(DatasetKind kind, Shape input) {
        if (workers < 1) {
            throw new IllegalArgumentException("--data-workers must be at least 1, got " + workers);
        }
        DataConfig c = DataConfig.of(kind, DataLocation.resolve(dataDir));
        if (kind.shape() == null) {
            int size = imageSize != null ? imageSize : (int) input.height();
            c = c.withImageShape((int) input.channels(), size, size);
        } else if (imageSize != null && imageSize != kind.shape().height()) {
            throw new IllegalArgumentException("--image-size applies to folder and synthetic data; " + kind.id()
                    + " images are " + kind.shape().height() + "x" + kind.shape().width());
        }
        ImageDecoder.Fit f = switch (fit.toLowerCase(Locale.ROOT)) {
            case "crop" -> ImageDecoder.Fit.CROP;
            case "pad" -> ImageDecoder.Fit.PAD;
            default -> throw new IllegalArgumentException("--fit must be crop or pad, not '" + fit + "'");
        };
        return c.withFit(f).withValSplit(valSplit, !noStratify, valSeed)
                .withDownload(!noDownload, allowChecksumMismatch, mirror).withCoarseLabels(coarse)
                .withSynthetic(syntheticSize, syntheticClasses);
    }

    /**
     * The data to evaluate trained weights on: a checkpoint's own training data (same folder, same validation
     * carve, same synthetic images) unless --dataset or --data-dir say otherwise; else the data named here, prepared
     * at the model's input shape.
     */
    DataConfig configFor(Path weights, Weights.LoadedModel loaded) throws IOException {
        TrainConfig recorded = Checkpoint.configOf(weights);
        if (recorded != null && dataset == null && dataDir == null) {
            return recorded.dataConfig();
        }
        Preprocessing prep = loaded.preprocessing();
        ResNet net = loaded.net();
        Shape input = prep != null ? new Shape(prep.channels(), prep.height(), prep.width())
                : new Shape(net.options().inChannels(), net.architecture().defaultInput().height(),
                        net.architecture().defaultInput().width());
        DataConfig c = config(kind(prep != null ? prep.dataset() : "cifar10"), input);
        return prep != null ? c.withFit(prep.fit()) : c;
    }

    /** Reports downloads as progress and notes as lines on stderr. */
    static Datasets.Listener listener(PrintWriter err) {
        return new Datasets.Listener() {
            private Progress progress;
            private String file;

            @Override
            public void downloading(String name, long done, long total) {
                if (!name.equals(file)) {
                    file = name;
                    progress = Progress.start(err, "download " + name, Math.max(total, 0), "bytes");
                }
                progress.update(done);
                if (done == total) {
                    progress.finish();
                }
            }

            @Override
            public void note(String message) {
                err.println(message);
            }
        };
    }
}
