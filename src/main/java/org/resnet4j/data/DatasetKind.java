package org.resnet4j.data;

import java.util.Arrays;
import java.util.Locale;

import org.resnet4j.model.Shape;

/** The kinds of dataset resnet4j reads, with the per-dataset defaults PyTorch recipes use. */
public enum DatasetKind {
    CIFAR10("cifar10", new Shape(3, 32, 32), Normalization.CIFAR10, Augmentation.CIFAR),
    CIFAR100("cifar100", new Shape(3, 32, 32), new Normalization(new float[] {0.5071f, 0.4865f, 0.4409f},
            new float[] {0.2673f, 0.2564f, 0.2762f}), Augmentation.CIFAR),
    MNIST("mnist", new Shape(1, 28, 28), new Normalization(new float[] {0.1307f}, new float[] {0.3081f}),
            Augmentation.NONE),
    FASHION_MNIST("fashion-mnist", new Shape(1, 28, 28),
            new Normalization(new float[] {0.2860f}, new float[] {0.3530f}), new Augmentation(2, true, 0)),
    /** Images in class folders; size and channels follow the model. ImageNet statistics by default. */
    FOLDER("folder", null, new Normalization(new float[] {0.485f, 0.456f, 0.406f},
            new float[] {0.229f, 0.224f, 0.225f}), Augmentation.CIFAR),
    /** WebDataset tar shards (train-NNNNNN.tar ..., as 'data pack' writes them); read in streaming order. */
    SHARDS("shards", null, FOLDER.normalization, Augmentation.CIFAR),
    /** Seeded generated images for smoke runs and benchmarks. */
    SYNTHETIC("synthetic", null, new Normalization(new float[] {0.5f, 0.5f, 0.5f}, new float[] {0.25f, 0.25f, 0.25f}),
            Augmentation.CIFAR);

    private final String id;
    private final Shape shape;
    private final Normalization normalization;
    private final Augmentation augmentation;

    DatasetKind(String id, Shape shape, Normalization normalization, Augmentation augmentation) {
        this.id = id;
        this.shape = shape;
        this.normalization = normalization;
        this.augmentation = augmentation;
    }

    public String id() {
        return id;
    }

    /** The images' own shape, or null when it follows the model (folders, synthetic data). */
    public Shape shape() {
        return shape;
    }

    /** Default mean and std, for {@code channels} channels (grey folders use the mean of the RGB statistics). */
    public Normalization normalization(int channels) {
        if (channels == normalization.channels()) {
            return normalization;
        }
        if (channels == 1) {
            float m = 0;
            float s = 0;
            for (int c = 0; c < normalization.channels(); c++) {
                m += normalization.mean()[c] / normalization.channels();
                s += normalization.std()[c] / normalization.channels();
            }
            return new Normalization(new float[] {m}, new float[] {s});
        }
        float[] mean = new float[channels];
        float[] std = new float[channels];
        Arrays.fill(mean, normalization.mean()[0]);
        Arrays.fill(std, normalization.std()[0]);
        return new Normalization(mean, std);
    }

    /** Default training augmentation; the padding is scaled to the image size (4 px at 32). */
    public Augmentation augmentation(int size) {
        if (augmentation.cropPadding() == 0 || shape != null) {
            return augmentation;
        }
        return new Augmentation(Math.max(1, size / 8), augmentation.flip(), augmentation.cutout());
    }

    @Override
    public String toString() {
        return id;
    }

    public static DatasetKind parse(String s) {
        String want = s.trim().toLowerCase(Locale.ROOT).replace('_', '-');
        for (DatasetKind k : values()) {
            if (k.id.equals(want) || k.id.replace("-", "").equals(want.replace("-", ""))) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown dataset '" + s + "' (expected one of "
                + String.join(", ", Arrays.stream(values()).map(DatasetKind::id).toList()) + ")");
    }
}
