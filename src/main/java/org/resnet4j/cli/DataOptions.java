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

/** The options that say which data a command reads; each one left out keeps the default (or the recorded value). */
final class DataOptions {
    @Option(names = "--dataset", paramLabel = "NAME",
            description = "cifar10 (default), cifar100, mnist, fashion-mnist, folder or synthetic")
    String dataset;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "where the data lies (default: $RESNET4J_DATA, then ./data); for folder: the image root")
    Path dataDir;

    @Option(names = "--val-split", paramLabel = "N", description = "carve N training images out as a validation set")
    Integer valSplit;

    @Option(names = "--val-seed", paramLabel = "SEED", description = "seed of the validation carve (default 0)")
    Long valSeed;

    @Option(names = "--no-stratify", description = "draw the validation carve at random, not class by class")
    boolean noStratify;

    @Option(names = "--image-size", paramLabel = "N",
            description = "folder and synthetic images are brought to NxN (default: the model's input size)")
    Integer imageSize;

    @Option(names = "--fit", paramLabel = "crop|pad",
            description = "folder images of another aspect ratio: centre-crop (default) or pad")
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

    @Option(names = "--synthetic-size", paramLabel = "N",
            description = "synthetic dataset: training images (test: a fifth) (default 50000)")
    Integer syntheticSize;

    @Option(names = "--synthetic-classes", paramLabel = "N", description = "synthetic dataset: classes (default 10)")
    Integer syntheticClasses;

    @Option(names = "--data-workers", paramLabel = "N",
            description = "threads assembling batches ahead of the model (default 1)")
    Integer workers;

    /** The dataset named on the command line, else {@code fallback} (for example the one a model was trained on). */
    DatasetKind kind(String fallback) {
        return DatasetKind.parse(dataset != null ? dataset : fallback);
    }

    int workers() {
        if (workers != null && workers < 1) {
            throw new IllegalArgumentException("--data-workers must be at least 1, got " + workers);
        }
        return workers == null ? 1 : workers;
    }

    /** The data configuration; folders and synthetic data take {@code input}'s channels and size. */
    DataConfig config(Shape input) {
        return config(kind("cifar10"), input);
    }

    DataConfig config(DatasetKind kind, Shape input) {
        DataConfig c = DataConfig.of(kind, DataLocation.resolve(dataDir));
        if (kind.shape() == null) {
            c = c.withImageShape((int) input.channels(), (int) input.height(), (int) input.width());
        }
        return applyTo(c);
    }

    /**
     * The data to evaluate trained weights on: a checkpoint's own training data (same folder, same validation
     * carve, same synthetic images) unless --dataset or --data-dir say otherwise; else the data named here, prepared
     * at the model's input shape. Options given on the command line apply on top either way.
     */
    DataConfig configFor(Path weights, Weights.LoadedModel loaded) throws IOException {
        ResNet net = loaded.net();
        return configFor(weights, loaded.preprocessing(), new Shape(net.options().inChannels(),
                net.architecture().defaultInput().height(), net.architecture().defaultInput().width()));
    }

    /** As above, for a model that {@code prep} describes (null: unknown), else of input {@code defaultInput}. */
    DataConfig configFor(Path weights, Preprocessing prep, Shape defaultInput) throws IOException {
        TrainConfig recorded = Checkpoint.configOf(weights);
        if (recorded != null && dataset == null && dataDir == null) {
            return applyTo(recorded.dataConfig());
        }
        Shape input = prep != null ? new Shape(prep.channels(), prep.height(), prep.width()) : defaultInput;
        DataConfig c = config(kind(prep != null ? prep.dataset() : "cifar10"), input);
        return prep != null && fit == null ? c.withFit(prep.fit()) : c;
    }

    /** {@code base} with every data option given on the command line applied. */
    DataConfig applyTo(DataConfig base) {
        DataConfig c = base;
        if (imageSize != null) {
            if (c.kind().shape() != null && imageSize != c.kind().shape().height()) {
                throw new IllegalArgumentException("--image-size applies to folder and synthetic data; " + c.kind().id()
                        + " images are " + c.kind().shape().height() + "x" + c.kind().shape().width());
            }
            c = c.withImageShape(c.channels(), imageSize, imageSize);
        }
        if (fit != null) {
            c = c.withFit(switch (fit.toLowerCase(Locale.ROOT)) {
                case "crop" -> ImageDecoder.Fit.CROP;
                case "pad" -> ImageDecoder.Fit.PAD;
                default -> throw new IllegalArgumentException("--fit must be crop or pad, not '" + fit + "'");
            });
        }
        if (valSplit != null || valSeed != null || noStratify) {
            c = c.withValSplit(valSplit != null ? valSplit : c.valSplit(), !noStratify && c.stratified(),
                    valSeed != null ? valSeed : c.seed());
        }
        if (noDownload || allowChecksumMismatch || mirror != null) {
            c = c.withDownload(c.download() && !noDownload, c.allowChecksumMismatch() || allowChecksumMismatch,
                    mirror != null ? mirror : c.mirror());
        }
        if (coarse) {
            c = c.withCoarseLabels(true);
        }
        if (syntheticSize != null || syntheticClasses != null) {
            c = c.withSynthetic(syntheticSize != null ? syntheticSize : c.syntheticSize(),
                    syntheticClasses != null ? syntheticClasses : c.syntheticClasses());
        }
        return c;
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
                    progress = Progress.start(err, "download " + name, total, "bytes");
                }
                progress.update(done);
                if (total > 0 && done == total) {
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
