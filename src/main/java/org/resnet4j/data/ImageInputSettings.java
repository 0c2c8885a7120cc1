package org.resnet4j.data;

import org.resnet4j.data.stream.BadImages;

import picocli.CommandLine.Option;

/** How image files are admitted: the pixel limit every header is checked against, and what a bad image does. */
public record ImageInputSettings(
        @Option(names = "--max-image-pixels", paramLabel = "N|none", defaultValue = "89478485",
                description = "warn above N pixels, refuse above 2N (default ${DEFAULT-VALUE}, Pillow's"
                        + " MAX_IMAGE_PIXELS)") PixelLimit maxImagePixels,
        @Option(names = "--on-bad-image", paramLabel = "skip|fail", defaultValue = "skip",
                description = "an unreadable image in a streamed folder or shard: report and skip it, or stop"
                        + " (default ${DEFAULT-VALUE})") BadImages.Policy onBadImage) {

    /** A pixel count, or none for no limit. */
    public record PixelLimit(long pixels) {
        public static PixelLimit parse(String text) {
            return new PixelLimit(ImageLimits.parse(text));
        }

        @Override
        public String toString() {
            return pixels == Long.MAX_VALUE ? "none" : Long.toString(pixels);
        }
    }

    /** Sets the process-wide pixel limit; call before reading any image. */
    public void apply() {
        ImageLimits.setMaxPixels(maxImagePixels.pixels());
    }
}
