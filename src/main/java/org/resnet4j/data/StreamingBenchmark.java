package org.resnet4j.data;

/**
 * Throughput of any {@link BatchSource} alone: batches taken and released as fast as the workers build them, over
 * as many epochs as it takes, after a warm-up.
 */
public final class StreamingBenchmark {
    private StreamingBenchmark() {
    }

    /**
     * Images per second, how many were measured in how long, and the process's CPU time over the same span: images
     * per CPU-second is what a core delivers, whatever else shares the machine.
     */
    public record Result(long images, double seconds, double imagesPerSecond, double cpuSeconds) {
        public double imagesPerCpuSecond() {
            return images / cpuSeconds;
        }
    }

    /** CPU time of this process (every thread: workers, consumer, JIT, GC), in nanoseconds; -1 when unknown. */
    static long processCpuNanos() {
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return -1;
    }

    /** Runs {@code warmup} then {@code batches} timed batches; {@code progress} gets the timed batches done. */
    public static Result run(BatchSource source, int batches, int warmup, java.util.function.IntConsumer progress) {
        int perEpoch = source.batchesPerEpoch();
        if (perEpoch == 0) {
            throw new IllegalArgumentException("the data has " + source.images() + " images, fewer than one batch");
        }
        long images = 0;
        long start = System.nanoTime();
        long cpuStart = processCpuNanos();
        int taken = 0;
        for (int epoch = 0; taken < warmup + batches; epoch++) {
            try (BatchStream s = source.epoch(epoch, 0)) {
                while (s.hasNext() && taken < warmup + batches) {
                    if (taken == warmup) {
                        start = System.nanoTime();
                        cpuStart = processCpuNanos();
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
        double cpu = (processCpuNanos() - cpuStart) / 1e9;
        return new Result(images, secs, images / secs, cpu);
    }
}
