package org.resnet4j.data;

import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.stream.IntStream;

/**
 * Batches of a dataset, epoch by epoch: shuffled each epoch (or in order), augmented, assembled by worker threads
 * a bounded number of batches ahead of the consumer.
 *
 * <p>Every random draw comes from the seed, the epoch and the batch's position, never from which worker builds the
 * batch or when, so a seed gives the same batches with any number of workers, and an epoch can be resumed at any
 * batch. The consumer closes each batch it takes (native memory).
 */
public final class DataLoader implements BatchSource {
    private final Dataset data;
    private final Options options;
    private final ExecutorService workers;
    private final ThreadLocal<BatchBuilder> builders;

    /**
     * @param prefetch batches built ahead of the consumer (at least one per worker)
     * @param dropLast skip the last, smaller batch of an epoch
     * @param sampler  this process's share of each epoch in a distributed run
     */
    public record Options(int batchSize, boolean shuffle, boolean dropLast, int workers, int prefetch, long seed,
            Normalization normalization, Augmentation augmentation, boolean channelsLast, DistributedSampler sampler) {
        public Options(int batchSize, boolean shuffle, boolean dropLast, int workers, int prefetch, long seed,
                Normalization normalization, Augmentation augmentation, boolean channelsLast) {
            this(batchSize, shuffle, dropLast, workers, prefetch, seed, normalization, augmentation, channelsLast,
                    DistributedSampler.WHOLE);
        }

        /** These options for one process's share of a distributed run. */
        public Options sharedBy(DistributedSampler s) {
            return new Options(batchSize, shuffle, dropLast, workers, prefetch, seed, normalization, augmentation,
                    channelsLast, s);
        }

        public Options {
            if (batchSize < 1) {
                throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
            }
            if (workers < 1) {
                throw new IllegalArgumentException("data workers must be at least 1, got " + workers);
            }
            prefetch = Math.max(prefetch, workers);
        }

        /** Training: shuffled by {@code seed} epoch by epoch, one worker, NCHW batches. */
        public static Options training(int batchSize, long seed, Normalization norm, Augmentation augmentation) {
            return new Options(batchSize, true, false, 1, 3, seed, norm, augmentation, false);
        }

        /** Evaluation: in order, no augmentation, nothing dropped. */
        public static Options evaluation(int batchSize, Normalization norm, int workers, boolean channelsLast) {
            return new Options(batchSize, false, false, workers, 2 * workers, 0, norm, Augmentation.NONE,
                    channelsLast);
        }
    }

    public DataLoader(Dataset data, Options options) {
        this.data = data;
        this.options = options;
        this.workers = Prefetch.workers("data", options.workers());
        this.builders = ThreadLocal.withInitial(() -> new BatchBuilder(data, options.normalization(),
                options.augmentation(), options.channelsLast()));
    }

    @Override
    public int batchesPerEpoch() {
        int n = options.sampler().size(data.size());
        int full = n / options.batchSize();
        return options.dropLast() || n % options.batchSize() == 0 ? full : full + 1;
    }

    /** The order of this process's images in {@code epoch}. */
    public int[] order(int epoch) {
        int[] all = options.shuffle() ? Shuffle.permutation(data.size(), new SplittableRandom(mix(options.seed(), epoch,
                -1))) : IntStream.range(0, data.size()).toArray();
        return options.sampler().shard(all);
    }

    /** Batches of one epoch; closing it releases the batches built ahead and not taken. */
    public interface BatchStream extends org.resnet4j.data.BatchStream {
    }

    @Override
    public long images() {
        return options.sampler().size(data.size());
    }

    @Override
    public List<String> classNames() {
        return data.classNames();
    }

    /** The batches of {@code epoch} from batch {@code first} on (0 for a whole epoch). */
    @Override
    public BatchStream epoch(int epoch, int first) {
        int[] order = order(epoch);
        int count = batchesPerEpoch();
        if (first < 0 || first > count) {
            throw new IllegalArgumentException("batch " + first + " outside an epoch of " + count);
        }
        org.resnet4j.data.BatchStream s = Prefetch.stream(workers, first, count, options.prefetch(),
                b -> build(order, epoch, b));
        return new BatchStream() {
            @Override
            public boolean hasNext() {
                return s.hasNext();
            }

            @Override
            public Batch next() {
                return s.next();
            }

            @Override
            public void close() {
                s.close();
            }
        };
    }

    private Batch build(int[] order, int epoch, int b) {
        int from = b * options.batchSize();
        int to = Math.min(order.length, from + options.batchSize());
        // with repeated augmentation, ranks hold copies of the same images at the same places of their batches
        long seed = options.sampler().repetitions() == 1 ? mix(options.seed(), epoch, b)
                : mix(mix(options.seed(), epoch, b), options.sampler().rank(), -1);
        SplittableRandom rng = options.augmentation().isNone() ? null : new SplittableRandom(seed);
        return builders.get().build(order, from, to, rng);
    }

    /** A well-spread 64-bit seed from the run's seed, the epoch and the batch (or sample). */
    public static long mix(long seed, int epoch, int batch) {
        long z = seed * 0x9E3779B97F4A7C15L + epoch * 0xBF58476D1CE4E5B9L + batch * 0x94D049BB133111EBL;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    @Override
    public void close() {
        workers.shutdownNow();
    }
}
