package org.resnet4j.data.image;

/**
 * Pillow's {@code Image.resize} for 8-bit RGB, bit for bit: separable convolution whose filter support widens with
 * the reduction factor (the antialiasing torchvision's PIL path gets), 22-bit fixed-point coefficients, a horizontal
 * pass rounded to 8 bits, then a vertical pass (Pillow's libImaging/Resample.c). The source region may be a
 * fractional box, as in {@code resize(size, box=...)}; only a window of the output may be computed, which is how
 * Resize + CenterCrop avoids resizing pixels the crop discards.
 */
public final class Resample {
    /** Pillow's resampling filters used by torchvision's transforms. */
    public enum Filter {
        BILINEAR(1.0) {
            @Override
            double weight(double x) {
                x = Math.abs(x);
                return x < 1.0 ? 1.0 - x : 0.0;
            }
        },
        BICUBIC(2.0) {
            @Override
            double weight(double x) {
                final double a = -0.5; // Pillow's choice (torch's tensor path uses -0.75)
                x = Math.abs(x);
                if (x < 1.0) {
                    return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
                }
                if (x < 2.0) {
                    return (((x - 5) * x + 8) * x - 4) * a;
                }
                return 0.0;
            }
        };

        final double support;

        Filter(double support) {
            this.support = support;
        }

        @Override
        public String toString() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        abstract double weight(double x);
    }

    private static final int PRECISION_BITS = 32 - 8 - 2;

    private Resample() {
    }

    /** Per output pixel: first input index, number of taps, and the fixed-point weights (ksize per pixel). */
    record Coefficients(int[] first, int[] count, int[] weights, int ksize) {
    }

    /** Pillow's {@code precompute_coeffs} followed by {@code normalize_coeffs_8bpc}. */
    static Coefficients coefficients(int inSize, double box0, double box1, int outSize, Filter filter) {
        float in0 = (float) box0; // Pillow keeps the box in single precision
        float in1 = (float) box1;
        double scale = (double) (in1 - in0) / outSize;
        double filterscale = Math.max(scale, 1.0);
        double support = filter.support * filterscale;
        int ksize = (int) Math.ceil(support) * 2 + 1;
        int[] first = new int[outSize];
        int[] count = new int[outSize];
        int[] weights = new int[outSize * ksize];
        double[] k = new double[ksize];
        for (int xx = 0; xx < outSize; xx++) {
            double center = in0 + (xx + 0.5) * scale;
            double ss = 1.0 / filterscale;
            int xmin = (int) (center - support + 0.5);
            if (xmin < 0) {
                xmin = 0;
            }
            int xmax = (int) (center + support + 0.5);
            if (xmax > inSize) {
                xmax = inSize;
            }
            xmax -= xmin;
            double ww = 0.0;
            for (int x = 0; x < xmax; x++) {
                double w = filter.weight((x + xmin - center + 0.5) * ss);
                k[x] = w;
                ww += w;
            }
            for (int x = 0; x < xmax; x++) {
                double v = ww != 0.0 ? k[x] / ww : k[x];
                weights[xx * ksize + x] = v < 0 ? (int) (-0.5 + v * (1 << PRECISION_BITS))
                        : (int) (0.5 + v * (1 << PRECISION_BITS));
            }
            first[xx] = xmin;
            count[xx] = Math.max(0, xmax);
        }
        return new Coefficients(first, count, weights, ksize);
    }

    private static int clip8(int in) {
        if (in >= (1 << PRECISION_BITS << 8)) {
            return 255;
        }
        if (in <= 0) {
            return 0;
        }
        return in >> PRECISION_BITS;
    }

    /** The whole of {@code src} resized to {@code outW}×{@code outH}. */
    public static RgbImage resize(RgbImage src, int outW, int outH, Filter filter, RgbImage dst) {
        return resize(src, 0, 0, src.width(), src.height(), outW, outH, 0, 0, outW, outH, filter, dst);
    }

    /**
     * {@code src}'s box (x0, y0)–(x1, y1) resized to {@code outW}×{@code outH}, of which only the window at
     * ({@code wx}, {@code wy}) of size {@code ww}×{@code wh} is computed into {@code dst} (the same pixels as
     * resizing everything and cropping the window).
     */
    public static RgbImage resize(RgbImage src, double x0, double y0, double x1, double y1, int outW, int outH,
            int wx, int wy, int ww, int wh, Filter filter, RgbImage dst) {
        if (wx < 0 || wy < 0 || wx + ww > outW || wy + wh > outH || ww < 1 || wh < 1) {
            throw new IllegalArgumentException("window " + ww + "x" + wh + "+" + wx + "+" + wy + " outside " + outW
                    + "x" + outH);
        }
        Coefficients horiz = coefficients(src.width(), x0, x1, outW, filter);
        Coefficients vert = coefficients(src.height(), y0, y1, outH, filter);
        int rowFirst = vert.first[wy];
        int rowLast = rowFirst;
        for (int yy = wy; yy < wy + wh; yy++) {
            rowLast = Math.max(rowLast, vert.first[yy] + vert.count[yy]);
        }
        int rows = rowLast - rowFirst;
        byte[] in = src.data();
        int inStride = src.width() * 3;
        // horizontal pass over the rows the vertical pass reads, for the window's columns only
        byte[] tmp = scratch(rows * ww * 3);
        for (int y = 0; y < rows; y++) {
            int inRow = (rowFirst + y) * inStride;
            int outRow = y * ww * 3;
            for (int xx = 0; xx < ww; xx++) {
                int o = wx + xx;
                int xmin = horiz.first[o];
                int n = horiz.count[o];
                int kb = o * horiz.ksize;
                int s0 = 1 << (PRECISION_BITS - 1);
                int s1 = s0;
                int s2 = s0;
                for (int x = 0; x < n; x++) {
                    int w = horiz.weights[kb + x];
                    int p = inRow + (xmin + x) * 3;
                    s0 += (in[p] & 0xff) * w;
                    s1 += (in[p + 1] & 0xff) * w;
                    s2 += (in[p + 2] & 0xff) * w;
                }
                tmp[outRow + xx * 3] = (byte) clip8(s0);
                tmp[outRow + xx * 3 + 1] = (byte) clip8(s1);
                tmp[outRow + xx * 3 + 2] = (byte) clip8(s2);
            }
        }
        dst.reshape(ww, wh);
        byte[] out = dst.data();
        int tmpStride = ww * 3;
        for (int yy = 0; yy < wh; yy++) {
            int o = wy + yy;
            int ymin = vert.first[o] - rowFirst;
            int n = vert.count[o];
            int kb = o * vert.ksize;
            int outRow = yy * ww * 3;
            for (int i = 0; i < ww * 3; i++) {
                int s = 1 << (PRECISION_BITS - 1);
                for (int y = 0; y < n; y++) {
                    s += (tmp[(ymin + y) * tmpStride + i] & 0xff) * vert.weights[kb + y];
                }
                out[outRow + i] = (byte) clip8(s);
            }
        }
        return dst;
    }

    private static final ThreadLocal<byte[][]> SCRATCH = ThreadLocal.withInitial(() -> new byte[1][0]);

    private static byte[] scratch(int n) {
        byte[][] holder = SCRATCH.get();
        if (holder[0].length < n) {
            holder[0] = new byte[n];
        }
        return holder[0];
    }
}
