package org.resnet4j.cli;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * Progress of long work on stderr: a bar redrawn in place on a terminal, a plain line every few seconds otherwise
 * (logs, CI), each with the rate and the time left.
 */
final class Progress {
    private static final long TTY_INTERVAL_NANOS = 200_000_000L;
    private static final long LOG_INTERVAL_NANOS = 10_000_000_000L;

    private final PrintWriter err;
    private final String label;
    private final long total;
    private final String unit;
    private final boolean tty;
    private final boolean bytes;
    private final long first;
    private final long start = System.nanoTime();
    private long lastPrint = start;
    private boolean drawn;

    private Progress(PrintWriter err, String label, long total, String unit, boolean tty, long first) {
        this.first = first;
        this.err = err;
        this.label = label;
        this.total = total;
        this.unit = unit;
        this.tty = tty;
        this.bytes = unit.equals("bytes");
    }

    static Progress start(PrintWriter err, String label, long total, String unit) {
        return start(err, label, total, unit, 0);
    }

    /** A bar that begins at {@code first} of {@code total} (a resumed epoch): rate and ETA count from there. */
    static Progress start(PrintWriter err, String label, long total, String unit, long first) {
        return new Progress(err, label, total, unit, System.console() != null, first);
    }

    void update(long done) {
        update(done, "");
    }

    /** Reports {@code done} of the total, with {@code extra} (for example the running loss) after the rate. */
    void update(long done, String extra) {
        long now = System.nanoTime();
        if (now - lastPrint < (tty ? TTY_INTERVAL_NANOS : LOG_INTERVAL_NANOS) && (total <= 0 || done < total)) {
            return;
        }
        lastPrint = now;
        if (tty) {
            err.print("\r" + line(done, now, extra) + "\033[K");
            drawn = true;
        } else if (total <= 0 || done < total) {
            err.println(line(done, now, extra));
        }
        err.flush();
    }

    /** Ends the bar with a summary line. */
    void finish() {
        finish("");
    }

    void finish(String extra) {
        long now = System.nanoTime();
        double secs = (now - start) / 1e9;
        String text = String.format(Locale.ROOT, "%s: %s in %.1f s (%s)%s", label, amount(total - first), secs,
                rate((total - first) / Math.max(secs, 1e-9)), extra.isEmpty() ? "" : ", " + extra);
        err.println((tty && drawn ? "\r" : "") + text + (tty ? "\033[K" : ""));
        err.flush();
    }

    private String line(long done, long now, String extra) {
        double secs = (now - start) / 1e9;
        double rate = (done - first) / Math.max(secs, 1e-9);
        double eta = rate > 0 && total > 0 ? (total - done) / rate : Double.NaN;
        int width = 24;
        int filled = total <= 0 ? 0 : (int) Math.min(width, width * done / total);
        String bar = tty ? "[" + "=".repeat(filled) + " ".repeat(width - filled) + "] " : "";
        String of = total > 0 ? "/" + (bytes ? amount(total) : total + " " + unit) : "";
        return String.format(Locale.ROOT, "%s %s%s%s, %s, ETA %s%s", label, bar, bytes ? amount(done) : done, of,
                rate(rate), clock(eta), extra.isEmpty() ? "" : ", " + extra);
    }

    private String rate(double perSecond) {
        if (bytes) {
            return amount((long) perSecond) + "/s";
        }
        return String.format(Locale.ROOT, perSecond < 10 ? "%.2f %s/s" : "%.0f %s/s", perSecond, unit);
    }

    /** A count with its unit; bytes in KiB/MiB/GiB. */
    private String amount(long n) {
        if (!bytes) {
            return n + " " + unit;
        }
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    static String clock(double seconds) {
        if (Double.isNaN(seconds) || Double.isInfinite(seconds)) {
            return "--:--";
        }
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%02d:%02d", s / 60, s % 60);
    }
}
