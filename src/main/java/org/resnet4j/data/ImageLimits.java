package org.resnet4j.data;

import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The pixel limit every image passes before it is decoded, Pillow's {@code Image.MAX_IMAGE_PIXELS} convention:
 * more than {@link #maxPixels()} pixels is decoded with a warning (once per file), more than twice that is refused
 * with an {@link ImageTooLargeException}. A process-wide setting, as in Pillow.
 */
public final class ImageLimits {
    /** Pillow's default: a quarter of a GiB of 3-byte pixels. */
    public static final long DEFAULT_MAX_PIXELS = 1024L * 1024 * 1024 / 4 / 3;

    private static volatile long maxPixels = DEFAULT_MAX_PIXELS;
    private static volatile Consumer<String> warnings = System.err::println;
    private static final Set<String> WARNED = ConcurrentHashMap.newKeySet();

    private ImageLimits() {
    }

    public static long maxPixels() {
        return maxPixels;
    }

    /** Sets the limit; {@code Long.MAX_VALUE} (or {@link #disable()}) turns the check off. */
    public static void setMaxPixels(long pixels) {
        if (pixels < 1) {
            throw new IllegalArgumentException("the pixel limit must be at least 1, got " + pixels);
        }
        maxPixels = pixels;
    }

    public static void disable() {
        maxPixels = Long.MAX_VALUE;
    }

    /** Where the over-the-limit warnings go (standard error by default); returns where they went before. */
    public static Consumer<String> setWarnings(Consumer<String> sink) {
        Consumer<String> previous = warnings;
        warnings = sink;
        return previous;
    }

    /** Parses a limit as a command line gives it: a pixel count (underscores and commas allowed) or {@code none}. */
    public static long parse(String s) {
        String v = s.trim().replace("_", "").replace(",", "");
        if (v.equalsIgnoreCase("none")) {
            return Long.MAX_VALUE;
        }
        try {
            long n = Long.parseLong(v);
            if (n < 1) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("a pixel limit is a positive number of pixels or 'none', not '" + s
                    + "'");
        }
    }

    /**
     * Checks the dimensions {@code name}'s header declares: refuses more than twice the limit, warns (once per
     * name) above it.
     */
    public static void check(String name, long width, long height) throws ImageTooLargeException {
        if (width <= 0 || height <= 0) {
            return; // the decoder reports a malformed header in its own words
        }
        long max = maxPixels;
        long pixels = width * height; // both below 2^32: no overflow
        if (max == Long.MAX_VALUE || pixels <= max) {
            return;
        }
        if (pixels > 2 * max) {
            throw new ImageTooLargeException(String.format(Locale.ROOT, "%s: %dx%d image (%,d pixels) exceeds the"
                    + " limit of %,d pixels (twice %,d; a decompression bomb?); raise it with --max-image-pixels if"
                    + " the image is genuine", name, width, height, pixels, 2 * max, max), width, height);
        }
        if (WARNED.add(name)) {
            warnings.accept(String.format(Locale.ROOT, "warning: %s: %dx%d image (%,d pixels) is over %,d pixels;"
                    + " decoding it anyway (refused above %,d)", name, width, height, pixels, max, 2 * max));
        }
    }
}
