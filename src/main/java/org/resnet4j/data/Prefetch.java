package org.resnet4j.data;

import java.util.ArrayDeque;
import java.util.NoSuchElementException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * Batches {@code first..count-1} built by a pool of workers, at most {@code depth} ahead of the consumer, handed out
 * in order: memory is bounded by the depth, whatever the dataset's size.
 */
public final class Prefetch {
    private Prefetch() {
    }

    /** A pool of daemon worker threads named {@code resnet4j-<name>-<n>}. */
    public static ExecutorService workers(String name, int n) {
        AtomicInteger k = new AtomicInteger();
        return Executors.newFixedThreadPool(n, r -> {
            Thread t = new Thread(r, "resnet4j-" + name + "-" + k.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    public static BatchStream stream(ExecutorService workers, int first, int count, int depth,
            IntFunction<Batch> build) {
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
                while (ahead.size() < depth && next < count) {
                    int b = next++;
                    ahead.add(workers.submit(() -> build.apply(b)));
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
                    Throwable cause = e.getCause();
                    if (cause instanceof BadImageException bad) {
                        throw bad;
                    }
                    throw new IllegalStateException("building a batch failed: " + cause.getMessage(), cause);
                }
            }
        };
    }
}
