package org.resnet4j.data;

/**
 * Throughput of any {@link BatchSource} alone: batches taken and released as fast as the workers build them, over
 * as many epochs as it takes, after a warm-up.
 */
public final class StreamingBenchmark {
    private StreamingBenchmark() {
    }

    /** Images per second, and how many were measured in how long. */
    public record Result(long images, double seconds, double imagesPerSecond) {
    }

    /** Runs {@code warmup} then {@code batches} timed batches; {@code progress} gets the timed batches done. */
    public static Result run(BatchSource source, int batches, int warmup, java.util.function.IntConsumer progress) {
        int perEpoch = source.batchesPerEpoch();
        if (perEpoch == 0) {
            throw new IllegalArgumentException("the data has " + source.images() + " images, fewer than one batch");
        }
        long images = 0;
        long start = System.nanoTime();
        int taken = 0;
        for (int epoch = 0; taken < warmup + batches; epoch++) {
            try (BatchStream s = source.epoch(epoch, 0)) {
                while (s.hasNext() && taken < warmup + batches) {
                    if (taken == warmup) {
                        start = System.nanoTime();
                    }
                    try (Batch b = s.next()) {
                        if (taken >= warmup) {
                            images += b.size();
                            progress.accept(taken - warmup + 1);
                        }
                    }
                    taken++;
                }
            }
        }
        double secs = (System.nanoTime() - start) / 1e9;
        return new Result(images, secs, images / secs);
    }
}
