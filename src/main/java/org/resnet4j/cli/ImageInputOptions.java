package org.resnet4j.cli;

import org.resnet4j.data.ImageLimits;
import org.resnet4j.data.stream.BadImages;

import picocli.CommandLine.Option;

/** How image files are admitted: the pixel limit every header is checked against, and what a bad image does. */
final class ImageInputOptions {
    @Option(names = "--max-image-pixels", paramLabel = "N|none",
            description = "warn above N pixels, refuse above 2N (default 89,478,485, Pillow's MAX_IMAGE_PIXELS)")
    String maxImagePixels;

    @Option(names = "--on-bad-image", paramLabel = "skip|fail", defaultValue = "skip",
            description = "an unreadable image in a streamed folder or shard: report and skip it, or stop"
                    + " (default ${DEFAULT-VALUE})")
    String onBadImage;

    /** Sets the process-wide pixel limit when given; call before reading any image. */
    void apply() {
        if (maxImagePixels != null) {
            ImageLimits.setMaxPixels(ImageLimits.parse(maxImagePixels));
        }
    }

    BadImages.Policy policy() {
        return BadImages.Policy.parse(onBadImage);
    }
}
