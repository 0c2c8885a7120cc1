package org.resnet4j.data;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;

import javax.imageio.ImageIO;

import org.resnet4j.data.image.RgbImage;
import org.resnet4j.data.transform.EvalTransform;

/**
 * Turns an image file of any size and colour mode into a fixed-size uint8 C×H×W record: RGB (alpha dropped, as
 * PIL's {@code convert("RGB")} does) or luma ({@code convert("L")}), resized so it covers the target and centre-
 * cropped ({@link Fit#CROP}), or resized to fit inside it and padded with black ({@link Fit#PAD}).
 */
public final class ImageDecoder {
    /** How an image of another aspect ratio is brought to the target size. */
    public enum Fit {
        CROP, PAD;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    static {
        ImageIO.setUseCache(false); // decode in memory, never through temporary files
    }

    private ImageDecoder() {
    }

    /**
     * Decodes {@code file} after checking its header: the pixel limit ({@link ImageLimits}) and that the file is
     * complete.
     */
    public static BufferedImage read(Path file) throws IOException {
        byte[] data = readBytes(file);
        return read(data, data.length, file.toString());
    }

    /** As {@link #read(Path)}, for an image already in memory; {@code name} names it in errors. */
    public static BufferedImage read(byte[] data, int length, String name) throws IOException {
        ImageHeader.checked(data, length, name);
        BufferedImage img;
        try (InputStream in = new ByteArrayInputStream(data, 0, length)) {
            img = ImageIO.read(in);
        } catch (IOException | RuntimeException e) {
            throw new DataFormatException(name + ": unreadable image (" + e.getMessage() + ")", e);
        }
        if (img == null) {
            throw new NotAnImageException(name + ": not an image in a readable format (PNG, JPEG, BMP or GIF)");
        }
        return img;
    }

    /** The bytes of an image file; a directory, a missing file or one too large for memory is one clear error. */
    public static byte[] readBytes(Path file) throws IOException {
        if (Files.isDirectory(file)) {
            throw new DataFormatException(file + ": a directory where an image file was expected");
        }
        long size;
        try {
            size = Files.size(file);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file.toString(), null, "image file missing");
        }
        if (size > Integer.MAX_VALUE - 16) {
            throw new ImageTooLargeException(file + ": " + size + " bytes, too large for an image file", 0, 0);
        }
        return Files.readAllBytes(file);
    }

    /** Decodes, converts and resizes {@code file} into {@code dst} at {@code offset} (channels×size×size bytes). */
    public static void decode(Path file, int channels, int height, int width, Fit fit, byte[] dst, int offset)
            throws IOException {
        toRecord(read(file), channels, height, width, fit, dst, offset);
    }

    public static void toRecord(BufferedImage src, int channels, int height, int width, Fit fit, byte[] dst,
            int offset) {
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("images convert to 1 or 3 channels, not " + channels);
        }
        BufferedImage rgb = resize(toRgb(src), height, width, fit);
        int plane = height * width;
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int p = rgb.getRGB(x, y);
                int r = (p >> 16) & 0xff;
                int g = (p >> 8) & 0xff;
                int b = p & 0xff;
                int i = offset + y * width + x;
                if (channels == 3) {
                    dst[i] = (byte) r;
                    dst[i + plane] = (byte) g;
                    dst[i + 2 * plane] = (byte) b;
                } else {
                    dst[i] = (byte) ((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16); // PIL's ITU-R 601 luma
                }
            }
        }
    }

    /**
     * Converts {@code src} to RGB and prepares it as torchvision's evaluation preset does ({@code resizeCrop}: the
     * short side resized with PIL's resampling, then a centre crop) into {@code dst} at {@code offset}, as
     * 3×crop×crop bytes.
     */
    public static void toRecord(BufferedImage src, EvalTransform resizeCrop, byte[] dst, int offset) {
        toRecord(src, resizeCrop, 3, dst, offset);
    }

    /**
     * As above into {@code channels}×crop×crop bytes: for one channel the resized RGB image's luma, as streamed
     * evaluation converts it.
     */
    public static void toRecord(BufferedImage src, EvalTransform resizeCrop, int channels, byte[] dst, int offset) {
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("images convert to 1 or 3 channels, not " + channels);
        }
        RgbImage img = resizeCrop.transform(RgbImage.wrap(interleavedRgb(src), src.getWidth(), src.getHeight()),
                new RgbImage());
        byte[] hwc = img.data();
        int plane = img.width() * img.height();
        for (int i = 0; i < plane; i++) {
            int r = hwc[3 * i] & 0xff;
            int g = hwc[3 * i + 1] & 0xff;
            int b = hwc[3 * i + 2] & 0xff;
            if (channels == 1) {
                dst[offset + i] = (byte) ((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16); // PIL's ITU-R 601 luma
            } else {
                dst[offset + i] = (byte) r;
                dst[offset + i + plane] = (byte) g;
                dst[offset + i + 2 * plane] = (byte) b;
            }
        }
    }

    private static byte[] interleavedRgb(BufferedImage image) {
        BufferedImage rgb = toRgb(image);
        int w = rgb.getWidth();
        int h = rgb.getHeight();
        byte[] out = new byte[w * h * 3];
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            rgb.getRGB(0, y, w, 1, row, 0, w);
            for (int x = 0; x < w; x++) {
                int i = 3 * (y * w + x);
                out[i] = (byte) (row[x] >> 16);
                out[i + 1] = (byte) (row[x] >> 8);
                out[i + 2] = (byte) row[x];
            }
        }
        return out;
    }

    /**
     * An opaque RGB copy. Grey images are read from their raster: {@code getRGB} would treat their linear grey
     * colour space as needing gamma correction and brighten them.
     */
    static BufferedImage toRgb(BufferedImage src) {
        if (src.getType() == BufferedImage.TYPE_INT_RGB) {
            return src;
        }
        int w = src.getWidth();
        int h = src.getHeight();
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        boolean grey = src.getType() == BufferedImage.TYPE_BYTE_GRAY || src.getType() == BufferedImage.TYPE_USHORT_GRAY;
        Raster raster = src.getRaster();
        int shift = src.getType() == BufferedImage.TYPE_USHORT_GRAY ? 8 : 0;
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            if (grey) {
                for (int x = 0; x < w; x++) {
                    int v = raster.getSample(x, y, 0) >> shift;
                    row[x] = v << 16 | v << 8 | v;
                }
            } else {
                src.getRGB(0, y, w, 1, row, 0, w);
                for (int x = 0; x < w; x++) {
                    row[x] &= 0xffffff;
                }
            }
            out.setRGB(0, y, w, 1, row, 0, w);
        }
        return out;
    }

    /** An opaque RGB copy of {@code src} (itself when it already is one), for readers outside this package. */
    public static BufferedImage rgb(BufferedImage src) {
        return toRgb(src);
    }

    static BufferedImage resize(BufferedImage src, int height, int width, Fit fit) {
        double sx = (double) width / src.getWidth();
        double sy = (double) height / src.getHeight();
        double s = fit == Fit.CROP ? Math.max(sx, sy) : Math.min(sx, sy);
        int w = Math.max(1, (int) Math.round(src.getWidth() * s));
        int h = Math.max(1, (int) Math.round(src.getHeight() * s));
        BufferedImage scaled = scale(src, w, h);
        if (w == width && h == height) {
            return scaled;
        }
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.drawImage(scaled, (width - w) / 2, (height - h) / 2, null); // crops or pads (black) around the centre
        g.dispose();
        return out;
    }

    /** Bilinear scaling, halving first while more than halving remains, so large reductions do not alias. */
    private static BufferedImage scale(BufferedImage src, int w, int h) {
        BufferedImage cur = src;
        while (cur.getWidth() / 2 >= w && cur.getHeight() / 2 >= h) {
            cur = draw(cur, cur.getWidth() / 2, cur.getHeight() / 2);
        }
        return cur.getWidth() == w && cur.getHeight() == h ? cur : draw(cur, w, h);
    }

    private static BufferedImage draw(BufferedImage src, int w, int h) {
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
        g.drawImage(src, 0, 0, w, h, null);
        g.dispose();
        return out;
    }
}
