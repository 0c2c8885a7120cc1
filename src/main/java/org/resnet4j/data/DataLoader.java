package org.resnet4j.data;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

/**
 * Batches of a dataset, epoch by epoch: shuffled each epoch (or in order), augmented, assembled by worker threads
 * a bounded number of batches ahead of the consumer.
 *
 * <p>Every random draw comes from the seed, the epoch and the batch's position, never from which worker builds the
 * batch or when, so a seed gives the same batches with any number of workers, and an epoch can be resumed at any
 * batch. The consumer closes each batch it takes (native memory).
 */
public final class DataLoader implements AutoCloseable {
    private final Dataset data;
    private final Options options;
    private final ExecutorService workers;
    private final ThreadLocal<BatchBuilder> builders;

    /**
     * @param prefetch batches built ahead of the consumer (at least one per worker)
     * @param dropLast skip the last, smaller batch of an epoch
     */
    public record Options(int batchSize, boolean shuffle, boolean dropLast, int workers, int prefetch, long seed,
            Normalization normalization, Augmentation augmentation, boolean channelsLast) {
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
        AtomicInteger n = new AtomicInteger();
        this.workers = Executors.newFixedThreadPool(options.workers(), r -> {
            Thread t = new Thread(r, "resnet4j-data-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.builders = ThreadLocal.withInitial(() -> new BatchBuilder(data, options.normalization(),
                options.augmentation(), options.channelsLast()));
    }

    public int batchesPerEpoch() {
        int full = data.size() / options.batchSize();
        return options.dropLast() || data.size() % options.batchSize() == 0 ? full : full + 1;
    }

    /** The order of the dataset's images in {@code epoch}. */
    public int[] order(int epoch) {
        if (!options.shuffle()) {
            return IntStream.range(0, data.size()).toArray();
        }
        return Shuffle.permutation(data.size(), new SplittableRandom(mix(options.seed(), epoch, -1)));
    }

    /** Batches of one epoch; closing it releases the batches built ahead and not taken. */
    public interface BatchStream extends Iterator<Batch>, AutoCloseable {
        @Override
        void close();
    }

    /** The batches of {@code epoch} from batch {@code first} on (0 for a whole epoch). */
    public BatchStream epoch(int epoch, int first) {
        int[] order = order(epoch);
        int count = batchesPerEpoch();
        if (first < 0 || first > count) {
            throw new IllegalArgumentException("batch " + first + " outside an epoch of " + count);
        }
        return new BatchStream() {
            private final ArrayDeque<Future<Batch>> ahead = new ArrayDeque<>();
            private int next = first;

            {
                fill();
            }

            @Override
            public void close() {
                next = count;
                for (Future<Batch> f; (f = ahead.poll()) != null;) {
                    try {
                        f.get().close();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    } catch (ExecutionException e) {
                        // the batch was never built; nothing to release
                    }
                }
            }

            private void fill() {
                while (ahead.size() < options.prefetch() && next < count) {
                    int b = next++;
                    ahead.add(workers.submit(() -> build(order, epoch, b)));
                }
            }

            @Override
            public boolean hasNext() {
                return !ahead.isEmpty();
            }

            @Override
            public Batch next() {
                Future<Batch> f = ahead.poll();
                if (f == null) {
                    throw new NoSuchElementException();
                }
                try {
                    Batch batch = f.get();
                    fill();
                    return batch;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for a batch", e);
                } catch (ExecutionException e) {
                    throw new IllegalStateException("building a batch failed: " + e.getCause().getMessage(),
                            e.getCause());
                }
            }
        };
    }

    private Batch build(int[] order, int epoch, int b) {
        int from = b * options.batchSize();
        int to = Math.min(order.length, from + options.batchSize());
        SplittableRandom rng = options.augmentation().isNone() ? null
                : new SplittableRandom(mix(options.seed(), epoch, b));
        return builders.get().build(order, from, to, rng);
    }

    /** A well-spread 64-bit seed from the run's seed, the epoch and the batch. */
    static long mix(long seed, int epoch, int batch) {
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
