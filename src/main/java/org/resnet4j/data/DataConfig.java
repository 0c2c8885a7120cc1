package org.resnet4j.data;

import java.net.URI;
import java.nio.file.Path;

/**
 * Which data to read and how: the dataset kind and where it lies, the image size folders and synthetic data are
 * brought to, the validation split carved from training data, and download behaviour.
 *
 * @param valSplit              images carved from the training split for validation (0: none)
 * @param mirror                base address to download from instead of the official one (null: official)
 * @param allowChecksumMismatch accept downloaded or supplied archives whose MD5 is not the published one
 * @param syntheticSize         training images of a synthetic dataset (its test split has a fifth of that)
 */
public record DataConfig(DatasetKind kind, Path root, int channels, int height, int width, ImageDecoder.Fit fit,
        int valSplit, boolean stratified, long seed, boolean download, boolean allowChecksumMismatch, URI mirror,
        boolean coarseLabels, int syntheticSize, int syntheticClasses, int decodeThreads) {

    public DataConfig {
        if (valSplit < 0) {
            throw new IllegalArgumentException("validation split cannot be negative");
        }
        if (channels < 1 || height < 1 || width < 1) {
            throw new IllegalArgumentException("image size must be positive: " + channels + "x" + height + "x" + width);
        }
    }

    /** The defaults for {@code kind} under {@code root}: its native shape (or 3x32x32), no validation split. */
    public static DataConfig of(DatasetKind kind, Path root) {
        int c = kind.shape() == null ? 3 : (int) kind.shape().channels();
        int h = kind.shape() == null ? 32 : (int) kind.shape().height();
        int w = kind.shape() == null ? 32 : (int) kind.shape().width();
        return new DataConfig(kind, root, c, h, w, ImageDecoder.Fit.CROP, 0, true, 0, true, false, null, false, 50_000,
                10, Runtime.getRuntime().availableProcessors());
    }

    /** Folders and synthetic data take the model's input shape; fixed datasets keep their own. */
    public DataConfig withImageShape(int c, int h, int w) {
        return new DataConfig(kind, root, c, h, w, fit, valSplit, stratified, seed, download, allowChecksumMismatch,
                mirror, coarseLabels, syntheticSize, syntheticClasses, decodeThreads);
    }

    public DataConfig withValSplit(int size, boolean stratify, long splitSeed) {
        return new DataConfig(kind, root, channels, height, width, fit, size, stratify, splitSeed, download,
                allowChecksumMismatch, mirror, coarseLabels, syntheticSize, syntheticClasses, decodeThreads);
    }

    public DataConfig withDownload(boolean enabled, boolean allowMismatch, URI mirrorBase) {
        return new DataConfig(kind, root, channels, height, width, fit, valSplit, stratified, seed, enabled,
                allowMismatch, mirrorBase, coarseLabels, syntheticSize, syntheticClasses, decodeThreads);
    }

    public DataConfig withFit(ImageDecoder.Fit f) {
        return new DataConfig(kind, root, channels, height, width, f, valSplit, stratified, seed, download,
                allowChecksumMismatch, mirror, coarseLabels, syntheticSize, syntheticClasses, decodeThreads);
    }

    public DataConfig withCoarseLabels(boolean coarse) {
        return new DataConfig(kind, root, channels, height, width, fit, valSplit, stratified, seed, download,
                allowChecksumMismatch, mirror, coarse, syntheticSize, syntheticClasses, decodeThreads);
    }

    public DataConfig withSynthetic(int size, int classes) {
        return new DataConfig(kind, root, channels, height, width, fit, valSplit, stratified, seed, download,
                allowChecksumMismatch, mirror, coarseLabels, size, classes, decodeThreads);
    }

    /** The normalisation this data uses by default. */
    public Normalization normalization() {
        return kind.normalization(channels);
    }

    public Augmentation augmentation() {
        return kind.augmentation(height);
    }
}
