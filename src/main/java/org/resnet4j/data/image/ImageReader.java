package org.resnet4j.data.image;

import java.awt.image.BufferedImage;
import java.io.IOException;

import org.resnet4j.data.DataFormatException;
import org.resnet4j.data.ImageDecoder;
import org.resnet4j.data.ImageHeader;

/**
 * Decodes encoded images into {@link RgbImage}s: JPEG through libjpeg-turbo ({@link NativeJpeg}), with DCT-domain
 * downscaling when asked, and every other format (or a JPEG libjpeg-turbo refuses) through ImageIO. Checks each
 * header first (pixel limit, truncation). One reader per thread.
 */
public final class ImageReader implements AutoCloseable {
    /** Which decoder JPEGs go through. */
    public enum JpegDecoder { NATIVE, IMAGEIO }

    private final NativeJpeg jpeg;

    /** A reader that decodes JPEGs natively when OpenCV's libraries load, else with ImageIO. */
    public ImageReader() {
        this(JpegDecoder.NATIVE);
    }

    public ImageReader(JpegDecoder decoder) {
        this.jpeg = decoder == JpegDecoder.NATIVE && NativeJpeg.unavailable() == null ? new NativeJpeg() : null;
    }

    /** Null when native JPEG decoding works here, else the reason it does not. */
    public static Throwable nativeUnavailable() {
        return NativeJpeg.unavailable();
    }

    public boolean isNative() {
        return jpeg != null;
    }

    /** The header of {@code data}, checked: pixel limit, truncation. */
    public ImageHeader header(byte[] data, int length, String name) throws DataFormatException {
        return ImageHeader.checked(data, length, name);
    }

    /**
     * Decodes into {@code dst}: a JPEG at 1/{@code reduction} of its size when decoded natively (the caller reads
     * the scale it got from {@code dst}'s size), anything else at full size.
     */
    public RgbImage decode(byte[] data, int length, ImageHeader header, int reduction, String name, RgbImage dst)
            throws IOException {
        if (header.format() == ImageHeader.Format.JPEG && jpeg != null) {
            try {
                if (jpeg.decode(data, length, reduction, dst)) {
                    return dst;
                }
            } catch (RuntimeException e) {
                // fall through: ImageIO says what is wrong with the file in its own words
            }
        }
        BufferedImage img = ImageDecoder.read(data, length, name);
        return fromBufferedImage(img, dst);
    }

    /** The RGB pixels of an ImageIO image (alpha dropped; grey read from the raster, not gamma-corrected). */
    public static RgbImage fromBufferedImage(BufferedImage src, RgbImage dst) {
        BufferedImage rgb = ImageDecoder.rgb(src);
        int w = rgb.getWidth();
        int h = rgb.getHeight();
        dst.reshape(w, h);
        byte[] out = dst.data();
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            rgb.getRGB(0, y, w, 1, row, 0, w);
            int o = y * w * 3;
            for (int x = 0; x < w; x++) {
                int p = row[x];
                out[o++] = (byte) (p >> 16);
                out[o++] = (byte) (p >> 8);
                out[o++] = (byte) p;
            }
        }
        return dst;
    }

    @Override
    public void close() {
        if (jpeg != null) {
            jpeg.close();
        }
    }
}
