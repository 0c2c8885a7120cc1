package org.resnet4j.data.stream;

import java.util.Locale;

/**
 * Where a folder's images live during training: decoded once into memory at the model's input size (the
 * in-memory path, {@link org.resnet4j.data.ImageFolder#load}) or decoded per step from the files (streaming,
 * {@link StreamingLoader}). {@code AUTO} keeps them in memory while they fit the budget and one Java array.
 */
public enum Storage {
    MEMORY, STREAM, AUTO;

    /** The most bytes one Java array holds, which the in-memory path decodes into. */
    public static final long ARRAY_LIMIT = Integer.MAX_VALUE - 8;

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Storage parse(String s) {
        for (Storage v : values()) {
            if (v.name().equalsIgnoreCase(s.trim())) {
                return v;
            }
        }
        throw new IllegalArgumentException("--storage must be memory, stream or auto, not '" + s + "'");
    }

    /** The default budget: a quarter of the heap the JVM may grow to. */
    public static long defaultBudget() {
        return Runtime.getRuntime().maxMemory() / 4;
    }

    /** A decision and the sentence that explains it. */
    public record Choice(Storage storage, String reason) {
    }

    /** Chooses for {@code images} images of {@code c}×{@code h}×{@code w} bytes each under {@code budget} bytes. */
    public static Choice choose(Storage requested, long images, int c, int h, int w, long budget) {
        long bytes = images * c * h * w;
        String size = String.format(Locale.ROOT, "%,d images at %dx%dx%d take %,d MB decoded", images, c, h, w,
                bytes >> 20);
        switch (requested) {
            case STREAM:
                return new Choice(STREAM, "streaming, as asked (" + size + ")");
            case MEMORY:
                if (bytes > ARRAY_LIMIT) {
                    throw new IllegalArgumentException(size + ", more than the 2 GB one Java array holds; stream"
                            + " them (--storage stream) or lower --image-size");
                }
                return new Choice(MEMORY, "in memory, as asked (" + size + ")");
            default:
                if (bytes <= Math.min(budget, ARRAY_LIMIT)) {
                    return new Choice(MEMORY, String.format(Locale.ROOT, "in memory: %s, within the budget of %,d MB",
                            size, budget >> 20));
                }
                return new Choice(STREAM, String.format(Locale.ROOT, "streaming: %s, more than %s", size,
                        bytes > ARRAY_LIMIT ? "one Java array holds (2 GB)"
                                : String.format(Locale.ROOT, "the budget of %,d MB", budget >> 20)));
        }
    }
}
