package org.resnet4j.dist;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.bytedeco.pytorch.Store;

/**
 * A counter in the rendezvous store that this rank raises every second from a daemon thread, so that when a
 * collective breaks the survivors can tell a rank that is gone (its counter stands still) from one that is merely
 * slow. Counters, not clocks: machines need not agree on the time.
 */
final class Heartbeat {
    private static final String KEY = "resnet4j/heartbeat/";
    private static final long PERIOD_MS = 1000;

    private final Store store;
    private final int rank;
    private final Thread thread;
    private volatile boolean running = true;

    Heartbeat(Store store, int rank) {
        this.store = store;
        this.rank = rank;
        this.thread = new Thread(this::beat, "resnet4j-heartbeat");
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    void stop() {
        running = false;
        thread.interrupt();
    }

    private void beat() {
        try {
            while (running) {
                store.add(KEY + rank, 1);
                Thread.sleep(PERIOD_MS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            // the store is gone (rank 0 ended): nobody is left to read the counter
        }
    }

    /** The other ranks whose counters do not move over {@code grace} (read through {@code store}). */
    List<Integer> silentRanks(Store reader, int size, Duration grace) {
        long[] before = counters(reader, size);
        try {
            Thread.sleep(grace.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        long[] after = counters(reader, size);
        List<Integer> silent = new ArrayList<>();
        for (int r = 0; r < size; r++) {
            if (r != rank && after[r] == before[r]) {
                silent.add(r);
            }
        }
        return silent;
    }

    private static long[] counters(Store reader, int size) {
        long[] c = new long[size];
        for (int r = 0; r < size; r++) {
            c[r] = reader.add(KEY + r, 0);
        }
        return c;
    }
}
