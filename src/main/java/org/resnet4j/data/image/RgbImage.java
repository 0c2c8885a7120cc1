package org.resnet4j.data.image;

/**
 * A decoded image as 8-bit RGB, row after row, pixel after pixel (PIL's "RGB" mode, height × width × 3). Mutable
 * and reusable: a worker decodes image after image into the same buffer.
 */
public final class RgbImage {
    private byte[] data;
    private int width;
    private int height;

    public RgbImage() {
        this.data = new byte[0];
    }

    public RgbImage(int width, int height) {
        this.data = new byte[Math.multiplyExact(Math.multiplyExact(width, height), 3)];
        this.width = width;
        this.height = height;
    }

    /** An image over {@code data} (height × width × 3 bytes), not copied. */
    public static RgbImage wrap(byte[] data, int width, int height) {
        if ((long) width * height * 3 > data.length) {
            throw new IllegalArgumentException(width + "x" + height + " RGB needs " + (long) width * height * 3
                    + " bytes, got " + data.length);
        }
        RgbImage img = new RgbImage();
        img.data = data;
        img.width = width;
        img.height = height;
        return img;
    }

    /** Makes this image {@code width}×{@code height}, growing the buffer when needed; the pixels are undefined. */
    public RgbImage reshape(int width, int height) {
        int n = Math.multiplyExact(Math.multiplyExact(width, height), 3);
        if (data.length < n) {
            data = new byte[n];
        }
        this.width = width;
        this.height = height;
        return this;
    }

    public byte[] data() {
        return data;
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    /** Red, green or blue (0..255) of pixel (x, y). */
    public int get(int x, int y, int channel) {
        return data[(y * width + x) * 3 + channel] & 0xff;
    }

    /** Mirrors the image left to right, in place. */
    public void flipHorizontal() {
        for (int y = 0; y < height; y++) {
            int row = y * width * 3;
            for (int l = 0, r = width - 1; l < r; l++, r--) {
                for (int c = 0; c < 3; c++) {
                    byte t = data[row + l * 3 + c];
                    data[row + l * 3 + c] = data[row + r * 3 + c];
                    data[row + r * 3 + c] = t;
                }
            }
        }
    }

    public RgbImage copy() {
        RgbImage c = new RgbImage(width, height);
        System.arraycopy(data, 0, c.data, 0, width * height * 3);
        return c;
    }
}
