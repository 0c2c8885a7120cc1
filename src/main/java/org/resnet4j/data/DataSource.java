package org.resnet4j.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.resnet4j.data.image.ImageReader;
import org.resnet4j.data.image.Resample;
import org.resnet4j.data.shard.ShardLoader;
import org.resnet4j.data.shard.ShardSet;
import org.resnet4j.data.stream.BadImages;
import org.resnet4j.data.stream.FolderIndex;
import org.resnet4j.data.stream.FolderSource;
import org.resnet4j.data.stream.ImageSource;
import org.resnet4j.data.stream.Storage;
import org.resnet4j.data.stream.StreamingLoader;
import org.resnet4j.data.transform.EvalTransform;
import org.resnet4j.data.transform.OutputLayout;

/**
 * The data a run trains and evaluates on, and how its batches are made: decoded once into memory at the model's input
 * size ({@link InMemory}: CIFAR, MNIST, folders that fit; the reference program's crop with padding and flip), or
 * decoded per step from image files ({@link Streamed}) or tar shards ({@link Sharded}) with torchvision's ImageNet
 * transforms (RandomResizedCrop + flip to train, Resize + CenterCrop to evaluate). Opened before the loaders, because
 * the model needs the data's classes and the loaders the model's memory layout.
 */
public sealed interface DataSource permits DataSource.InMemory, DataSource.Streamed, DataSource.Sharded {
    List<String> classNames();

    int channels();

    /** How validation is chosen (or that there is none), for the run's description. */
    String validation();

    /** One line on how the images are held: in memory, or streamed and why. */
    String storage();

    long trainImages();

    boolean hasVal();

    /** What training does to each image, for the run's description. */
    String augmentation(AugmentSettings augment);

    /** Training batches: shuffled by the seed epoch by epoch, augmented. */
    BatchSource train(Loading l) throws IOException;

    /**
     * How evaluation prepares the images, recorded with the weights so that they are prepared so again: torchvision's
     * resize then centre crop for streamed images, null for images held in memory (fitted as decoded).
     */
    EvalTransform evalTransform();

    /** Evaluation batches of {@link Split#VAL} or {@link Split#TEST}; {@code sample > 0} takes a fixed random sample. */
    BatchSource eval(Split split, Loading l, int sample) throws IOException;

    /**
     * How batches are made; {@code sampler} is this process's share of the training data in a distributed run
     * (evaluation takes the same rank's unpadded share, so that summed over the ranks each image counts once).
     */
    record Loading(int batchSize, int evalBatchSize, int workers, long seed, Normalization normalization,
            boolean channelsLast, AugmentSettings augment, BadImages.Policy onBadImage, BadImages.Listener reports,
            DistributedSampler sampler) {
        OutputLayout layout(int channels) {
            return new OutputLayout(normalization, channels, channelsLast);
        }
    }

    /**
     * Opens {@code c}'s data: shards stream, official datasets load into memory, and folders are held as
     * {@code s.storage()} asks ({@code auto}: in memory while the decoded images fit a quarter of the heap).
     */
    static DataSource open(DataConfig c, DataSettings s, int threads, Datasets.Listener listener) throws IOException {
        int size = c.height();
        EvalTransform eval = new EvalTransform(s.evalResize() != null ? s.evalResize()
                : Math.round(size * 256f / 224f), size, s.interpolation(), false);
        int trainSize = s.trainCrop() != null ? s.trainCrop() : size;
        if (c.kind() == DatasetKind.SHARDS) {
            requireNoCarve(c);
            ShardSet train = ShardSet.open(c.root(), Split.TRAIN.label());
            ShardSet val = shards(c.root(), Split.VAL);
            ShardSet test = shards(c.root(), Split.TEST);
            if (test == null && val == null) {
                throw new IllegalArgumentException(c.root() + " holds no test or val shards to evaluate on");
            }
            return new Sharded(train, test == null ? null : val, test == null ? val : test, c.channels(), eval,
                    trainSize, s.interpolation());
        }
        if (c.kind() == DatasetKind.FOLDER && Datasets.isSplitFolder(c)) {
            FolderIndex.Cache cache = FolderIndex.Cache.BESIDE_DATA;
            FolderIndex train = FolderIndex.load(ImageFolder.splitRoot(c.root(), Split.TRAIN), null, true, cache,
                    threads, FolderIndex.listener(listener::note));
            Storage.Choice choice = Storage.choose(s.storage(), train.size(), c.channels(), c.height(), c.width(),
                    Storage.defaultBudget());
            if (choice.storage() == Storage.STREAM) {
                requireNoCarve(c);
                boolean valFolder = Files.isDirectory(c.root().resolve(Split.VAL.label()))
                        && Files.isDirectory(c.root().resolve(Split.TEST.label()));
                FolderIndex val = valFolder ? FolderIndex.load(c.root().resolve(Split.VAL.label()),
                        train.classNames(), false, cache, threads, FolderIndex.listener(listener::note)) : null;
                FolderIndex test = FolderIndex.load(ImageFolder.splitRoot(c.root(), Split.TEST), train.classNames(),
                        false, cache, threads, FolderIndex.listener(listener::note));
                return new Streamed(train, val, test, c.channels(), eval, trainSize, s.interpolation(),
                        choice.reason());
            }
            return new InMemory(c, Datasets.forTraining(c, listener), choice.reason());
        }
        return new InMemory(c, Datasets.forTraining(c, listener), "in memory");
    }

    static void requireNoCarve(DataConfig c) {
        if (c.valSplit() > 0) {
            throw new IllegalArgumentException("--val-split carves validation images from data held in memory;"
                    + " streamed " + c.kind().id() + " data takes its validation from a val/ folder or val shards");
        }
    }

    static ShardSet shards(Path dir, Split split) throws IOException {
        try {
            return ShardSet.open(dir, split.label());
        } catch (java.nio.file.NoSuchFileException e) {
            return null;
        }
    }

    /** Decoded images in memory, at their final size. */
    record InMemory(DataConfig config, Datasets.Splits splits, String storage) implements DataSource {
        @Override
        public List<String> classNames() {
            return splits.train().classNames();
        }

        @Override
        public int channels() {
            return splits.train().channels();
        }

        @Override
        public String validation() {
            return splits.validation();
        }

        @Override
        public long trainImages() {
            return splits.train().size();
        }

        @Override
        public boolean hasVal() {
            return splits.val() != null;
        }

        @Override
        public String augmentation(AugmentSettings augment) {
            return augment.of(config).toString();
        }

        @Override
        public BatchSource train(Loading l) {
            return new DataLoader(splits.train(), new DataLoader.Options(l.batchSize(), true, false, l.workers(),
                    2 * l.workers() + 1, l.seed(), l.normalization(), l.augment().of(config), l.channelsLast(),
                    l.sampler()));
        }

        @Override
        public EvalTransform evalTransform() {
            return null;
        }

        @Override
        public BatchSource eval(Split split, Loading l, int sample) {
            Dataset d = split == Split.VAL ? splits.val() : splits.test();
            return new DataLoader(sample > 0 ? Subset.sample(d, sample, 7) : d, DataLoader.Options.evaluation(
                    l.evalBatchSize(), l.normalization(), l.workers(), l.channelsLast()).sharedBy(
                            l.sampler().forEvaluation()));
        }
    }

    /** A folder's image files, decoded per step; training crops {@code trainSize}, evaluation as {@code eval}. */
    record Streamed(FolderIndex train, FolderIndex val, FolderIndex test, int channels, EvalTransform eval,
            int trainSize, Resample.Filter interpolation, String storage) implements DataSource {
        @Override
        public List<String> classNames() {
            return train.classNames();
        }

        @Override
        public String validation() {
            return val != null ? "validation: the val/ folder" : "no validation split"
                    + (test.dir().endsWith(Split.VAL.label()) ? "; no test/ folder, so val/ is the test split" : "");
        }

        @Override
        public long trainImages() {
            return train.size();
        }

        @Override
        public boolean hasVal() {
            return val != null;
        }

        @Override
        public String augmentation(AugmentSettings augment) {
            return augment.streamed(trainSize, interpolation, eval).toString();
        }

        @Override
        public BatchSource train(Loading l) {
            return new StreamingLoader(new FolderSource(train), new StreamingLoader.Options(l.batchSize(), true, false,
                    l.workers(), 2 * l.workers() + 1, l.seed(), l.augment().streamed(trainSize, interpolation, eval),
                    l.layout(channels), l.onBadImage(), ImageReader.JpegDecoder.NATIVE, l.sampler()), l.reports());
        }

        @Override
        public EvalTransform evalTransform() {
            return eval;
        }

        @Override
        public BatchSource eval(Split split, Loading l, int sample) {
            ImageSource images = new FolderSource(split == Split.VAL ? val : test);
            return new StreamingLoader(sample > 0 ? ImageSource.sample(images, sample, 7) : images,
                    StreamingLoader.Options.evaluation(l.evalBatchSize(), l.workers(), eval, l.layout(channels),
                            l.onBadImage()).sharedBy(l.sampler().forEvaluation()), l.reports());
        }
    }

    /** WebDataset tar shards, read in order through a shuffle buffer. */
    record Sharded(ShardSet train, ShardSet val, ShardSet test, int channels, EvalTransform eval, int trainSize,
            Resample.Filter interpolation) implements DataSource {
        @Override
        public List<String> classNames() {
            return train.classNames();
        }

        @Override
        public String validation() {
            return val != null ? "validation: the val shards" : "no validation split";
        }

        @Override
        public String storage() {
            return "streamed from " + train.shards().size() + " training shards";
        }

        @Override
        public long trainImages() {
            return train.samples();
        }

        @Override
        public boolean hasVal() {
            return val != null;
        }

        @Override
        public String augmentation(AugmentSettings augment) {
            return augment.streamed(trainSize, interpolation, eval).toString();
        }

        @Override
        public BatchSource train(Loading l) {
            if (l.sampler().repetitions() > 1) {
                throw new IllegalArgumentException("--ra-sampler repeats images of a shuffled index; shards are read"
                        + " in order through a shuffle buffer (train on the folder instead)");
            }
            return new ShardLoader(train, ShardLoader.Options.training(l.batchSize(), l.workers(), l.seed(),
                    l.augment().streamed(trainSize, interpolation, eval), l.layout(channels), l.onBadImage())
                    .withRank(l.sampler().rank(), l.sampler().worldSize()), l.reports());
        }

        @Override
        public EvalTransform evalTransform() {
            return eval;
        }

        /** Shards are read whole: a sample would still read every shard, so evaluation takes them all. */
        @Override
        public BatchSource eval(Split split, Loading l, int sample) {
            return new ShardLoader(split == Split.VAL ? val : test, ShardLoader.Options.evaluation(l.evalBatchSize(),
                    l.workers(), eval, l.layout(channels), l.onBadImage()).withRank(l.sampler().rank(),
                            l.sampler().worldSize()), l.reports());
        }
    }
}
