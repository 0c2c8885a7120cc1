package org.resnet4j.data;

/**
 * Throughput of the input pipeline alone: shuffle, augment, normalise and copy into native tensors, with a given
 * number of workers, the consumer doing nothing but releasing each batch.
 */
public final class PipelineBenchmark {
    private PipelineBenchmark() {
    }

    /** Images per second and what was measured. */
    public record Result(int workers, int batches, long images, double seconds, double imagesPerSecond) {
    }

    public static Result run(Dataset data, DataLoader.Options options, int batches, int warmup) {
        try (DataLoader loader = new DataLoader(data, options)) {
            int perEpoch = loader.batchesPerEpoch();
            if (perEpoch == 0) {
                throw new IllegalArgumentException("the data has " + data.size() + " images, fewer than one batch of "
                        + options.batchSize());
            }
            int epoch = 0;
            long images = 0;
            long start = 0;
            int taken = 0;
            while (taken < warmup + batches) {
                try (DataLoader.BatchStream s = loader.epoch(epoch++, 0)) {
                    for (int i = 0; i < perEpoch && taken < warmup + batches; i++, taken++) {
                        if (taken == warmup) {
                            start = System.nanoTime();
                        }
                        try (Batch b = s.next()) {
                            if (taken >= warmup) {
                                images += b.size();
                            }
                        }
                    }
                }
            }
            double secs = (System.nanoTime() - start) / 1e9;
            return new Result(options.workers(), batches, images, secs, images / secs);
        }
    }
}
