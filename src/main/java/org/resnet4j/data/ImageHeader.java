package org.resnet4j.data;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Iterator;
import java.util.Locale;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * An encoded image's format and dimensions, read from its header without decoding any pixels. JPEG, PNG, GIF and
 * BMP headers are parsed here (ImageIO's readers take as long as a decode to report a JPEG's size); other formats
 * ask ImageIO's reader, which reads only the header.
 */
public record ImageHeader(Format format, int width, int height) {
    public enum Format { JPEG, PNG, GIF, BMP, OTHER }

    public long pixels() {
        return (long) width * height;
    }

    /** The header of {@code data}; {@code name} names the file in the error of an unreadable one. */
    public static ImageHeader read(byte[] data, int length, String name) throws DataFormatException {
        ImageHeader h;
        if (length >= 4 && (data[0] & 0xff) == 0xFF && (data[1] & 0xff) == 0xD8) {
            h = jpeg(data, length, name);
        } else if (length >= 24 && startsWith(data, 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A)) {
            h = new ImageHeader(Format.PNG, beInt(data, 16), beInt(data, 20));
        } else if (length >= 10 && startsWith(data, 'G', 'I', 'F', '8')) {
            h = new ImageHeader(Format.GIF, leShort(data, 6), leShort(data, 8));
        } else if (length >= 26 && startsWith(data, 'B', 'M')) {
            h = leInt(data, 14) == 12 ? new ImageHeader(Format.BMP, leShort(data, 18), leShort(data, 20))
                    : new ImageHeader(Format.BMP, leInt(data, 18), Math.abs(leInt(data, 22)));
        } else {
            h = viaImageIO(data, length, name);
        }
        if (h.width <= 0 || h.height <= 0) {
            throw new DataFormatException(String.format(Locale.ROOT, "%s: the %s header declares %dx%d pixels", name,
                    h.format.name(), h.width, h.height));
        }
        return h;
    }

    /**
     * Reads the header, applies {@link ImageLimits} and refuses a file that ends before its format's end marker (a
     * partial download or copy): decoders would fill the missing part with grey rather than fail.
     */
    public static ImageHeader checked(byte[] data, int length, String name) throws DataFormatException {
        ImageHeader h = read(data, length, name);
        ImageLimits.check(name, h.width, h.height);
        if (!h.complete(data, length)) {
            throw new DataFormatException(String.format(Locale.ROOT, "%s: truncated %s (%,d bytes, no end-of-image"
                    + " marker): a partial file?", name, h.format.name(), length));
        }
        return h;
    }

    /** Whether the file reaches its format's end: JPEG's EOI after the last scan, PNG's IEND, GIF's trailer. */
    boolean complete(byte[] d, int n) {
        switch (format) {
            case JPEG: {
                // 0xFF is never followed by 0xD9 or 0xDA inside entropy-coded data, and a thumbnail's markers come
                // before the main image's scans.
                int lastScan = -1;
                int end = -1;
                for (int i = 0; i + 1 < n; i++) {
                    if (d[i] == (byte) 0xFF) {
                        if (d[i + 1] == (byte) 0xDA) {
                            lastScan = i;
                        } else if (d[i + 1] == (byte) 0xD9) {
                            end = i;
                        }
                    }
                }
                return lastScan >= 0 && end > lastScan;
            }
            case PNG: {
                long i = 8;
                while (i + 8 <= n) {
                    long len = beInt(d, (int) i) & 0xffffffffL;
                    if (d[(int) i + 4] == 'I' && d[(int) i + 5] == 'E' && d[(int) i + 6] == 'N' && d[(int) i + 7] == 'D') {
                        return true;
                    }
                    i += 12 + len;
                }
                return false;
            }
            case GIF: {
                int i = n - 1;
                while (i > 0 && d[i] == 0) {
                    i--;
                }
                return d[i] == 0x3B;
            }
            case BMP:
                return n >= (leInt(d, 2) & 0xffffffffL) || leInt(d, 2) == 0;
            default:
                return true;
        }
    }

    /** Walks the markers up to the first start-of-frame, which holds the size. */
    private static ImageHeader jpeg(byte[] d, int n, String name) throws DataFormatException {
        int i = 2;
        while (i + 3 < n) {
            if ((d[i] & 0xff) != 0xFF) {
                throw new DataFormatException(name + ": not a valid JPEG (no marker at byte " + i + ")");
            }
            int marker = d[i + 1] & 0xff;
            if (marker == 0xFF) { // fill byte
                i++;
                continue;
            }
            if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8)) { // markers without a length
                i += 2;
                continue;
            }
            int len = ((d[i + 2] & 0xff) << 8) | (d[i + 3] & 0xff);
            boolean sof = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
            if (sof) {
                if (i + 8 >= n) {
                    break;
                }
                int h = ((d[i + 5] & 0xff) << 8) | (d[i + 6] & 0xff);
                int w = ((d[i + 7] & 0xff) << 8) | (d[i + 8] & 0xff);
                return new ImageHeader(Format.JPEG, w, h);
            }
            if (marker == 0xDA || marker == 0xD9 || len < 2) {
                break;
            }
            i += 2 + len;
        }
        throw new DataFormatException(name + ": truncated or invalid JPEG (no frame header before the image data)");
    }

    private static ImageHeader viaImageIO(byte[] data, int length, String name) throws DataFormatException {
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(data, 0, length))) {
            Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext()) {
                throw new NotAnImageException(name + ": not an image in a readable format (JPEG, PNG, BMP or GIF)");
            }
            ImageReader r = readers.next();
            try {
                r.setInput(in, true, true);
                return new ImageHeader(Format.OTHER, r.getWidth(0), r.getHeight(0));
            } finally {
                r.dispose();
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof DataFormatException d) {
                throw d;
            }
            throw new DataFormatException(name + ": unreadable image header (" + e.getMessage() + ")", e);
        }
    }

    private static boolean startsWith(byte[] d, int... magic) {
        for (int i = 0; i < magic.length; i++) {
            if ((d[i] & 0xff) != magic[i]) {
                return false;
            }
        }
        return true;
    }

    private static int beInt(byte[] d, int o) {
        return (d[o] & 0xff) << 24 | (d[o + 1] & 0xff) << 16 | (d[o + 2] & 0xff) << 8 | (d[o + 3] & 0xff);
    }

    private static int leInt(byte[] d, int o) {
        return (d[o + 3] & 0xff) << 24 | (d[o + 2] & 0xff) << 16 | (d[o + 1] & 0xff) << 8 | (d[o] & 0xff);
    }

    private static int leShort(byte[] d, int o) {
        return (d[o + 1] & 0xff) << 8 | (d[o] & 0xff);
    }
}
