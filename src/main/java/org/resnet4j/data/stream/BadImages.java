package org.resnet4j.data.stream;

import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Unreadable images met by a loader's workers: each reported once (file and reason), counted per epoch for the
 * epoch summary, and either skipped or fatal. A bad image never stops another worker.
 */
public final class BadImages {
    /** What a loader does with an image it cannot read or decode. */
    public enum Policy {
        /** Report and count it; training takes the next image instead, evaluation leaves it out. */
        SKIP,
        /** Stop with the file and the reason. */
        FAIL;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Policy parse(String s) {
            return switch (s.trim().toLowerCase(Locale.ROOT)) {
                case "skip" -> SKIP;
                case "fail" -> FAIL;
                default -> throw new IllegalArgumentException("--on-bad-image must be skip or fail, not '" + s + "'");
            };
        }
    }

    /** Receives each bad image the first time it is met (from worker threads). */
    public interface Listener {
        Listener SILENT = (file, reason) -> { };

        void badImage(String file, String reason);
    }

    private final Policy policy;
    private final Listener listener;
    private final Set<String> reported = ConcurrentHashMap.newKeySet();
    private final ConcurrentHashMap<Integer, AtomicLong> perEpoch = new ConcurrentHashMap<>();
    private final AtomicLong total = new AtomicLong();

    public BadImages(Policy policy, Listener listener) {
        this.policy = policy;
        this.listener = listener;
    }

    public Policy policy() {
        return policy;
    }

    /** Records a bad image met in {@code epoch}. */
    public void record(int epoch, String file, Throwable reason) {
        perEpoch.computeIfAbsent(epoch, e -> new AtomicLong()).incrementAndGet();
        total.incrementAndGet();
        if (reported.add(file)) {
            listener.badImage(file, describe(file, reason));
        }
    }

    /** The reason in one line: the exception's message without a repeated file name. */
    static String describe(String file, Throwable t) {
        String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        if (m.startsWith(file + ": ")) {
            m = m.substring(file.length() + 2);
        }
        return m;
    }

    public long count(int epoch) {
        AtomicLong n = perEpoch.get(epoch);
        return n == null ? 0 : n.get();
    }

    public long total() {
        return total.get();
    }
}
