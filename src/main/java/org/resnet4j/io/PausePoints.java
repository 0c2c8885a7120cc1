package org.resnet4j.io;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Named moments inside file writes, where the fault-injection test stops a process so that it can kill it there with
 * SIGKILL. With {@code -Dresnet4j.pause-at=STAGE:FILE#N} (e.g. {@code rotated:last.ckpt#2}) the process prints
 * {@code resnet4j: paused at STAGE:FILE} on stderr at its N-th arrival at that moment and waits to be killed. Without
 * the property a moment costs one comparison.
 */
public final class PausePoints {
    private static final String SPEC = System.getProperty("resnet4j.pause-at");
    private static final Map<String, AtomicInteger> ARRIVALS = new ConcurrentHashMap<>();

    private PausePoints() {
    }

    /** Marks reaching {@code stage} of writing {@code file}. */
    static void reach(String stage, Path file) {
        if (SPEC == null) {
            return;
        }
        String point = stage + ":" + file.getFileName();
        int hash = SPEC.lastIndexOf('#');
        String wanted = hash < 0 ? SPEC : SPEC.substring(0, hash);
        int nth = hash < 0 ? 1 : Integer.parseInt(SPEC.substring(hash + 1));
        if (!wanted.equals(point)
                || ARRIVALS.computeIfAbsent(point, p -> new AtomicInteger()).incrementAndGet() != nth) {
            return;
        }
        System.err.println("resnet4j: paused at " + point);
        System.err.flush();
        while (true) {
            try {
                Thread.sleep(60_000);
            } catch (InterruptedException e) {
                // only SIGKILL ends the pause
            }
        }
    }
}
