package org.resnet4j.data;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.util.List;

import org.resnet4j.data.shard.ShardLoader;
import org.resnet4j.data.shard.ShardSet;
import org.resnet4j.data.stream.BadImages;
import org.resnet4j.data.stream.FolderIndex;
import org.resnet4j.data.stream.FolderSource;
import org.resnet4j.data.stream.Storage;
import org.resnet4j.data.stream.StreamingLoader;
import org.resnet4j.data.transform.EvalTransform;
import org.resnet4j.data.transform.OutputLayout;
import org.resnet4j.data.transform.PreparedTransform;

/**
 * One split to evaluate or extract features on, held as {@code --storage} asks: decoded into memory (official
 * datasets, synthetic images, folders that fit a quarter of the heap), or read batch by batch from a folder's files
 * or from tar shards. A folder's images are prepared alike either way ({@link ImagePreparation}), so where they are
 * held changes the memory used, never the figures. An unreadable image stops the evaluation, as it does in memory.
 */
public sealed interface EvalSplit permits EvalSplit.InMemory, EvalSplit.Streamed, EvalSplit.Sharded {
    List<String> classNames();

    /** The channels of the prepared images. */
    int channels();

    /** How the images are held, for a note; null for data held in memory as it always is. */
    String storage();

    /**
     * Batches of {@code share}'s images (its unpadded share of a distributed evaluation), in order, normalised
     * with {@code norm} in the model's memory layout.
     */
    BatchSource batches(int batchSize, int workers, Normalization norm, boolean channelsLast,
            DistributedSampler share);

    /**
     * Opens {@code split} of {@code c}, folder images prepared by {@code resizeCrop} (null: fitted). A folder is
     * streamed when {@code storage} asks or ({@code auto}) its decoded images would not fit a quarter of the heap;
     * shards always stream; everything else, and a validation carve, is loaded into memory.
     */
    static EvalSplit open(DataConfig c, Storage storage, Split split, EvalTransform resizeCrop,
            Datasets.Listener listener) throws IOException {
        boolean carved = c.valSplit() > 0 && split != Split.TEST;
        if (c.kind() == DatasetKind.SHARDS) {
            if (carved) {
                DataSource.requireNoCarve(c);
            }
            ShardSet set = DataSource.shards(c.root(), split);
            if (set == null && split == Split.TEST) {
                set = DataSource.shards(c.root(), Split.VAL); // as training: without test shards, val is the test split
            }
            if (set == null) {
                throw new NoSuchFileException(c.root().toString(), null, "no " + split.label()
                        + (split == Split.TEST ? " or val" : "") + " shards in");
            }
            return new Sharded(set, ImagePreparation.of(c, resizeCrop));
        }
        if (c.kind() == DatasetKind.FOLDER && storage != Storage.MEMORY) {
            if (carved) {
                if (storage == Storage.STREAM) {
                    DataSource.requireNoCarve(c);
                }
            } else {
                ImagePreparation prep = ImagePreparation.of(c, resizeCrop);
                FolderIndex index = FolderIndex.load(ImageFolder.splitRoot(c.root(), split), Datasets.folderClasses(c),
                        false, FolderIndex.Cache.BESIDE_DATA, c.decodeThreads(), FolderIndex.listener(listener::note));
                Storage.Choice choice = Storage.choose(storage, index.size(), prep.channels(), prep.height(),
                        prep.width(), Storage.defaultBudget());
                if (choice.storage() == Storage.STREAM) {
                    return new Streamed(index, prep, choice.reason());
                }
            }
        }
        return new InMemory(Datasets.load(c, split, resizeCrop, listener));
    }

    /** Decoded images in memory, at their final size. */
    record InMemory(Dataset data) implements EvalSplit {
        @Override
        public List<String> classNames() {
            return data.classNames();
        }

        @Override
        public int channels() {
            return data.channels();
        }

        @Override
        public String storage() {
            return null;
        }

        @Override
        public BatchSource batches(int batchSize, int workers, Normalization norm, boolean channelsLast,
                DistributedSampler share) {
            return new DataLoader(data, DataLoader.Options.evaluation(batchSize, norm, workers, channelsLast)
                    .sharedBy(share));
        }
    }

    /** A folder's image files, decoded batch by batch. */
    record Streamed(FolderIndex index, ImagePreparation preparation, String storage) implements EvalSplit {
        @Override
        public List<String> classNames() {
            return index.classNames();
        }

        @Override
        public int channels() {
            return preparation.channels();
        }

        @Override
        public BatchSource batches(int batchSize, int workers, Normalization norm, boolean channelsLast,
                DistributedSampler share) {
            return new StreamingLoader(new FolderSource(index), StreamingLoader.Options.evaluation(batchSize, workers,
                    new PreparedTransform(preparation), new OutputLayout(norm, preparation.channels(), channelsLast),
                    BadImages.Policy.FAIL).sharedBy(share), BadImages.Listener.SILENT);
        }
    }

    /** Tar shards, read in order; a distributed evaluation divides the shards among the ranks. */
    record Sharded(ShardSet set, ImagePreparation preparation) implements EvalSplit {
        @Override
        public List<String> classNames() {
            return set.classNames();
        }

        @Override
        public int channels() {
            return preparation.channels();
        }

        @Override
        public String storage() {
            int n = set.shards().size();
            return "streamed from " + n + " " + set.split() + (n == 1 ? " shard" : " shards");
        }

        @Override
        public BatchSource batches(int batchSize, int workers, Normalization norm, boolean channelsLast,
                DistributedSampler share) {
            return new ShardLoader(set, ShardLoader.Options.evaluation(batchSize, workers,
                    new PreparedTransform(preparation), new OutputLayout(norm, preparation.channels(), channelsLast),
                    BadImages.Policy.FAIL).withRank(share.rank(), share.worldSize()), BadImages.Listener.SILENT);
        }
    }
}
