package org.resnet4j.data;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * An image's format and size, read from its header by ImageIO's reader without decoding a pixel, so that an image
 * too large to decode safely (a few hundred bytes of PNG can declare 20000×20000 pixels, 1.6 GB once decoded) is
 * refused before any memory is spent on it.
 */
public record ImageHeader(String format, int width, int height) {
    /**
     * PIL's {@code Image.MAX_IMAGE_PIXELS}: PIL warns about larger images and refuses those over twice as large as
     * decompression bombs.
     */
    public static final long PIL_MAX_PIXELS = 89_478_485L;

    static {
        ImageIO.setUseCache(false); // read in memory, never through temporary files
    }

    public long pixels() {
        return (long) width * height;
    }

    /** Reads the header of an image file; {@code name} is how messages refer to it. */
    public static ImageHeader read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, file.toString());
        }
    }

    /** Reads the header of an image held in memory. */
    public static ImageHeader read(byte[] image, String name) throws IOException {
        return read(new ByteArrayInputStream(image), name);
    }

    private static ImageHeader read(InputStream in, String name) throws IOException {
        try (ImageInputStream iis = ImageIO.createImageInputStream(in)) {
            Iterator<ImageReader> readers = iis == null ? null : ImageIO.getImageReaders(iis);
            if (readers == null || !readers.hasNext()) {
                throw new NotAnImageException(name + ": not an image in a readable format (PNG, JPEG, BMP or GIF)");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(iis, true, true);
                return new ImageHeader(reader.getFormatName().toLowerCase(Locale.ROOT), reader.getWidth(0),
                        reader.getHeight(0));
            } catch (IOException | RuntimeException e) {
                throw new DataFormatException(name + ": unreadable image header (" + e.getMessage() + ")", e);
            } finally {
                reader.dispose();
            }
        }
    }

    /** This header, or an {@link ImageTooLargeException} when the image has more than {@code maxPixels} pixels. */
    public ImageHeader requireAtMost(long maxPixels, String name) throws ImageTooLargeException {
        if (pixels() > maxPixels) {
            throw new ImageTooLargeException(String.format(Locale.ROOT,
                    "%s: the image is %dx%d, %,d pixels, over the limit of %,d (refused before decoding)", name,
                    width, height, pixels(), maxPixels), this, maxPixels);
        }
        return this;
    }

    /** Bytes that no image reader recognises. */
    public static final class NotAnImageException extends DataFormatException {
        private static final long serialVersionUID = 1L;

        NotAnImageException(String message) {
            super(message);
        }
    }

    /** An image refused for its size before it was decoded. */
    public static final class ImageTooLargeException extends DataFormatException {
        private static final long serialVersionUID = 1L;
        private final transient ImageHeader header;
        private final long limit;

        ImageTooLargeException(String message, ImageHeader header, long limit) {
            super(message);
            this.header = header;
            this.limit = limit;
        }

        public ImageHeader header() {
            return header;
        }

        public long limit() {
            return limit;
        }
    }
}
