package org.resnet4j.data;

import java.net.URI;
import java.nio.file.Path;

import org.resnet4j.data.image.Resample;
import org.resnet4j.data.stream.Storage;
import org.resnet4j.model.Shape;

import picocli.CommandLine.Option;

/** Which data a command reads and how; folders and synthetic images take the model's input shape unless told. */
public record DataSettings(
        @Option(names = "--dataset", paramLabel = "NAME", defaultValue = "cifar10",
                description = "cifar10 (default), cifar100, mnist, fashion-mnist, folder, shards or synthetic")
        DatasetKind dataset,
        @Option(names = "--data-dir", paramLabel = "DIR",
                description = "where the data lies (default: $RESNET4J_DATA, then ./data); for folder: the image root")
        Path dataDir,
        @Option(names = "--val-split", paramLabel = "N", defaultValue = "0",
                description = "carve N training images out as a validation set") int valSplit,
        @Option(names = "--val-seed", paramLabel = "SEED", defaultValue = "0",
                description = "seed of the validation carve (default ${DEFAULT-VALUE})") long valSeed,
        @Option(names = "--no-stratify", negatable = true, defaultValue = "true",
                description = "carve validation class by class (default) or at random") boolean stratify,
        @Option(names = "--image-size", paramLabel = "N",
                description = "folder and synthetic images are brought to NxN (default: the model's input size)")
        Integer imageSize,
        @Option(names = "--channels", paramLabel = "C",
                description = "folder and synthetic images: 3 (RGB, default) or 1 (grey)") Integer imageChannels,
        @Option(names = "--fit", paramLabel = "crop|pad", defaultValue = "crop",
                description = "folder images of another aspect ratio: centre-crop (default) or pad")
        ImageDecoder.Fit fit,
        @Option(names = "--coarse", description = "CIFAR-100: the 20 coarse labels instead of the 100 fine ones")
        boolean coarseLabels,
        @Option(names = "--synthetic-size", paramLabel = "N", defaultValue = "50000",
                description = "synthetic data: training images (test: a fifth) (default ${DEFAULT-VALUE})")
        int syntheticSize,
        @Option(names = "--synthetic-classes", paramLabel = "N", defaultValue = "10",
                description = "synthetic data: classes (default ${DEFAULT-VALUE})") int syntheticClasses,
        @Option(names = "--data-workers", paramLabel = "N", defaultValue = "1",
                description = "threads assembling batches ahead of the model (default ${DEFAULT-VALUE})")
        int dataWorkers,
        @Option(names = "--no-download", negatable = true, defaultValue = "true",
                description = "download missing official data (default on)") boolean download,
        @Option(names = "--allow-checksum-mismatch",
                description = "accept a downloaded or supplied archive whose MD5 is not the published one")
        boolean allowChecksumMismatch,
        @Option(names = "--mirror", paramLabel = "URL", description = "download from this base address instead")
        URI mirror,
        @Option(names = "--storage", paramLabel = "auto|memory|stream", defaultValue = "auto",
                description = "folder images: decoded once into memory at the input size (the CIFAR-style crop and"
                        + " flip), or streamed and decoded per step (torchvision's RandomResizedCrop and Resize +"
                        + " CenterCrop in training; eval and features prepare them alike either way); auto keeps"
                        + " them in memory while they fit a quarter of the heap (default ${DEFAULT-VALUE})")
        Storage storage,
        @Option(names = "--eval-resize", paramLabel = "N",
                description = "streamed images: the shorter side before the centre crop in evaluation (default:"
                        + " the input size x 256/224)") Integer evalResize,
        @Option(names = "--interpolation", paramLabel = "bilinear|bicubic", defaultValue = "bilinear",
                description = "streamed images: resampling filter (default ${DEFAULT-VALUE})")
        Resample.Filter interpolation,
        @Option(names = "--train-crop", paramLabel = "N",
                description = "streamed images: the RandomResizedCrop size in training (default: the input size;"
                        + " torchvision's ResNet-50 V2 recipe trains at 176 and evaluates at 224)") Integer trainCrop) {

    public DataSettings {
        require(valSplit >= 0, "--val-split cannot be negative, got " + valSplit);
        require(imageSize == null || imageSize >= 1, "--image-size must be at least 1, got " + imageSize);
        require(imageChannels == null || imageChannels == 1 || imageChannels == 3,
                "--channels must be 1 or 3, got " + imageChannels);
        require(dataset.shape() == null || imageSize == null || imageSize == dataset.shape().height(),
                "--image-size applies to folder and synthetic data; " + dataset.id() + " images are "
                        + (dataset.shape() == null ? "" : dataset.shape().height() + "x" + dataset.shape().width()));
        require(dataset.shape() == null || imageChannels == null || imageChannels == dataset.shape().channels(),
                "--channels applies to folder and synthetic data");
        require(syntheticSize >= 1 && syntheticClasses >= 1, "synthetic data needs at least one image and class");
        require(dataWorkers >= 1, "--data-workers must be at least 1, got " + dataWorkers);
        require(evalResize == null || evalResize >= 1, "--eval-resize must be at least 1, got " + evalResize);
        require(trainCrop == null || trainCrop >= 1, "--train-crop must be at least 1, got " + trainCrop);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    /** What the data loaders read: folders and synthetic images are brought to {@code modelInput}'s shape. */
    public DataConfig resolve(Shape modelInput) {
        DataConfig c = DataConfig.of(dataset, DataLocation.resolve(dataDir));
        if (dataset.shape() == null) {
            int size = imageSize != null ? imageSize : (int) modelInput.height();
            c = c.withImageShape(imageChannels != null ? imageChannels : (int) modelInput.channels(), size, size);
        }
        return c.withValSplit(valSplit, stratify, valSeed).withFit(fit)
                .withDownload(download, allowChecksumMismatch, mirror)
                .withCoarseLabels(coarseLabels).withSynthetic(syntheticSize, syntheticClasses);
    }
}
