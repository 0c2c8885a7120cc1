package org.resnet4j.serve;

import java.awt.image.BufferedImage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.resnet4j.eval.Predictor;

/**
 * Dynamic batching in front of a {@link Predictor}: requests from many threads are queued and one worker thread
 * runs them as batches, each batch one forward pass. A batch starts with the oldest waiting request and takes
 * whatever else arrives within {@link Policy#maxWait()} of it, up to {@link Policy#maxBatchSize()}; with a wait of
 * zero it takes only what is already queued, so a lone request never waits for company.
 *
 * <p>Requests hold images already prepared at the model's input size ({@link Predictor#prepare}), a few kilobytes
 * each. A full queue refuses new requests at once (the future fails with {@link RejectedExecutionException}) instead
 * of letting latency grow without bound. A request whose future was cancelled before its batch ran is left out.
 */
public final class BatchingPredictor implements AutoCloseable {
    /** How requests are grouped: at most {@code maxBatchSize} per forward pass, waiting at most {@code maxWait}. */
    public record Policy(int maxBatchSize, Duration maxWait, int maxQueued) {
        public static final Policy DEFAULT = new Policy(32, Duration.ofMillis(5), 1024);
        /** One request per forward pass, in arrival order. */
        public static final Policy UNBATCHED = new Policy(1, Duration.ZERO, 1024);

        public Policy {
            if (maxBatchSize < 1) {
                throw new IllegalArgumentException("the maximum batch size must be at least 1, got " + maxBatchSize);
            }
            if (maxWait.isNegative()) {
                throw new IllegalArgumentException("the maximum wait must not be negative, got " + maxWait);
            }
            if (maxQueued < 1) {
                throw new IllegalArgumentException("the queue must hold at least 1 request, got " + maxQueued);
            }
        }
    }

    /** Told about every forward pass: how many requests it served and how long it took. */
    public interface Listener {
        Listener NONE = (size, nanos) -> { };

        void onBatch(int size, long nanos);
    }

    private record Job(byte[] input, int topK, CompletableFuture<Predictor.Prediction> result) {
    }

    private static final Job STOP = new Job(new byte[0], 0, null);

    private final Predictor predictor;
    private final Policy policy;
    private final Listener listener;
    private final BlockingQueue<Job> queue;
    private final Thread worker;
    private final AtomicInteger pending = new AtomicInteger();
    private volatile boolean closed;

    public BatchingPredictor(Predictor predictor, Policy policy) {
        this(predictor, policy, Listener.NONE);
    }

    public BatchingPredictor(Predictor predictor, Policy policy, Listener listener) {
        this.predictor = predictor;
        this.policy = policy;
        this.listener = listener;
        this.queue = new ArrayBlockingQueue<>(policy.maxQueued() + 1); // + 1: room for STOP
        this.worker = new Thread(this::work, "resnet4j-batcher");
        worker.setDaemon(true);
        worker.start();
    }

    public Predictor predictor() {
        return predictor;
    }

    public Policy policy() {
        return policy;
    }

    /** Requests submitted and not yet answered: queued, gathering into a batch, or in their forward pass. */
    public int pending() {
        return pending.get();
    }

    /** Prepares {@code image} on the calling thread and queues it. */
    public CompletableFuture<Predictor.Prediction> submit(BufferedImage image, int topK) {
        return submit(predictor.prepare(image), topK);
    }

    /** Queues an image {@link Predictor#prepare prepared} for this model; the future completes with its top-k. */
    public CompletableFuture<Predictor.Prediction> submit(byte[] prepared, int topK) {
        CompletableFuture<Predictor.Prediction> result = new CompletableFuture<>();
        if (topK < 1) {
            result.completeExceptionally(new IllegalArgumentException("top-k must be at least 1, got " + topK));
        } else if (prepared.length != predictor.inputBytes()) {
            result.completeExceptionally(new IllegalArgumentException("a prepared image for this model has "
                    + predictor.inputBytes() + " bytes, not " + prepared.length));
        } else {
            synchronized (queue) { // against close(): nothing is queued behind STOP
                if (closed) {
                    result.completeExceptionally(new RejectedExecutionException("the predictor is shutting down"));
                } else if (queue.size() >= policy.maxQueued()) {
                    result.completeExceptionally(new RejectedExecutionException("busy: " + policy.maxQueued()
                            + " requests are already waiting"));
                } else {
                    pending.incrementAndGet();
                    result.whenComplete((p, t) -> pending.decrementAndGet());
                    queue.add(new Job(prepared, topK, result));
                }
            }
        }
        return result;
    }

    /** Stops taking requests, finishes those already queued, and ends the worker thread. */
    @Override
    public void close() {
        synchronized (queue) {
            if (closed) {
                return;
            }
            closed = true;
            queue.add(STOP); // fits: submit leaves one place free
        }
        try {
            worker.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void work() {
        List<Job> batch = new ArrayList<>(policy.maxBatchSize());
        boolean stopping = false;
        while (!stopping) {
            batch.clear();
            try {
                Job first = queue.take();
                if (first == STOP) {
                    break;
                }
                batch.add(first);
                long deadline = System.nanoTime() + policy.maxWait().toNanos();
                while (batch.size() < policy.maxBatchSize()) {
                    long left = deadline - System.nanoTime();
                    Job next = left > 0 ? queue.poll(left, TimeUnit.NANOSECONDS) : queue.poll();
                    if (next == null) {
                        break;
                    }
                    if (next == STOP) {
                        stopping = true;
                        break;
                    }
                    batch.add(next);
                }
            } catch (InterruptedException e) {
                stopping = true;
            }
            run(batch);
        }
        for (Job j; (j = queue.poll()) != null; ) { // only after an interrupt: STOP is always last
            if (j != STOP) {
                j.result().completeExceptionally(new RejectedExecutionException("the predictor was shut down"));
            }
        }
    }

    private void run(List<Job> batch) {
        batch.removeIf(j -> j.result().isDone()); // cancelled: the client went away
        if (batch.isEmpty()) {
            return;
        }
        int k = batch.stream().mapToInt(Job::topK).max().orElseThrow();
        long start = System.nanoTime();
        List<Predictor.Prediction> out;
        try {
            out = predictor.predictPrepared(batch.stream().map(Job::input).toList(), k);
        } catch (RuntimeException | Error e) { // out of native memory, a libtorch error: fail this batch, keep serving
            batch.forEach(j -> j.result().completeExceptionally(e));
            return;
        }
        listener.onBatch(batch.size(), System.nanoTime() - start);
        for (int i = 0; i < batch.size(); i++) {
            batch.get(i).result().complete(out.get(i).limit(batch.get(i).topK()));
        }
    }
}
