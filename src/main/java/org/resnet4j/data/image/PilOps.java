package org.resnet4j.data.image;

/**
 * Pillow's 8-bit RGB operations that torchvision's PIL path calls, with Pillow's arithmetic: {@code Image.blend}
 * (ImageEnhance's brightness, contrast, colour and sharpness), the HSV conversions behind {@code adjust_hue},
 * {@code ImageOps} (posterize, solarize, autocontrast, equalize) and {@code Image.transform(AFFINE, NEAREST)}
 * (shear, translate, rotate).
 */
public final class PilOps {
    private PilOps() {
    }

    /** {@code Image.blend(degenerate, img, alpha)} into {@code img}; a null degenerate is black. */
    static void blend(byte[] degenerate, RgbImage img, double alpha) {
        byte[] px = img.data();
        int n = img.width() * img.height() * 3;
        boolean inside = alpha >= 0 && alpha <= 1.0;
        float a = (float) alpha; // Pillow's ImagingBlend takes a float
        for (int i = 0; i < n; i++) {
            int in1 = degenerate == null ? 0 : degenerate[i] & 0xff;
            int in2 = px[i] & 0xff;
            if (inside) {
                px[i] = (byte) (int) (in1 + a * (in2 - in1));
            } else {
                float t = in1 + a * (in2 - in1);
                px[i] = (byte) (t <= 0.0f ? 0 : t >= 255.0f ? 255 : (int) t);
            }
        }
    }

    /** PIL's {@code convert("L")}: ITU-R 601 luma, rounded. */
    static int luma(int r, int g, int b) {
        return (r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16;
    }

    public static void brightness(RgbImage img, double factor) {
        blend(null, img, factor);
    }

    /** ImageEnhance.Contrast: blend with the mean of the luma image, rounded. */
    public static void contrast(RgbImage img, double factor, RgbImage scratch) {
        byte[] px = img.data();
        int n = img.width() * img.height();
        long sum = 0;
        for (int i = 0; i < n; i++) {
            sum += luma(px[3 * i] & 0xff, px[3 * i + 1] & 0xff, px[3 * i + 2] & 0xff);
        }
        int mean = (int) ((double) sum / n + 0.5);
        byte[] deg = scratch.reshape(img.width(), img.height()).data();
        java.util.Arrays.fill(deg, 0, 3 * n, (byte) mean);
        blend(deg, img, factor);
    }

    /** ImageEnhance.Color (torchvision's saturation): blend with the luma image. */
    public static void saturation(RgbImage img, double factor, RgbImage scratch) {
        byte[] px = img.data();
        int n = img.width() * img.height();
        byte[] deg = scratch.reshape(img.width(), img.height()).data();
        for (int i = 0; i < n; i++) {
            byte l = (byte) luma(px[3 * i] & 0xff, px[3 * i + 1] & 0xff, px[3 * i + 2] & 0xff);
            deg[3 * i] = l;
            deg[3 * i + 1] = l;
            deg[3 * i + 2] = l;
        }
        blend(deg, img, factor);
    }

    /** ImageEnhance.Sharpness: blend with ImageFilter.SMOOTH (3×3, centre 5, /13; the border kept). */
    public static void sharpness(RgbImage img, double factor, RgbImage scratch) {
        int w = img.width();
        int h = img.height();
        byte[] px = img.data();
        byte[] deg = scratch.reshape(w, h).data();
        System.arraycopy(px, 0, deg, 0, w * h * 3);
        float k = 1f / 13f;
        float c = 5f / 13f;
        for (int y = 1; y < h - 1; y++) {
            for (int x = 1; x < w - 1; x++) {
                for (int ch = 0; ch < 3; ch++) {
                    float s = 0;
                    for (int dy = -1; dy <= 1; dy++) {
                        int row = ((y + dy) * w) * 3 + ch;
                        s += (px[row + (x - 1) * 3] & 0xff) * k;
                        s += (px[row + x * 3] & 0xff) * (dy == 0 ? c : k);
                        s += (px[row + (x + 1) * 3] & 0xff) * k;
                    }
                    deg[(y * w + x) * 3 + ch] = (byte) (s <= 0 ? 0 : s >= 255 ? 255 : (int) s);
                }
            }
        }
        blend(deg, img, factor);
    }

    /** torchvision's {@code adjust_hue} on PIL: to HSV, add {@code factor × 255} to H (wrapping), back to RGB. */
    public static void hue(RgbImage img, double factor) {
        int shift = ((int) (factor * 255)) & 0xff;
        byte[] px = img.data();
        int n = img.width() * img.height();
        int[] hsv = new int[3];
        for (int i = 0; i < n; i++) {
            rgbToHsv(px[3 * i] & 0xff, px[3 * i + 1] & 0xff, px[3 * i + 2] & 0xff, hsv);
            hsvToRgb((hsv[0] + shift) & 0xff, hsv[1], hsv[2], px, 3 * i);
        }
    }

    /** Pillow's rgb2hsv (single-precision, as libImaging/Convert.c computes it). */
    static void rgbToHsv(int r, int g, int b, int[] out) {
        int maxc = Math.max(r, Math.max(g, b));
        int minc = Math.min(r, Math.min(g, b));
        if (minc == maxc) {
            out[0] = 0;
            out[1] = 0;
            out[2] = maxc;
            return;
        }
        float cr = maxc - minc;
        float s = cr / maxc;
        float rc = (maxc - r) / cr;
        float gc = (maxc - g) / cr;
        float bc = (maxc - b) / cr;
        float h;
        if (r == maxc) {
            h = bc - gc;
        } else if (g == maxc) {
            h = (float) (2.0 + rc - bc);
        } else {
            h = (float) (4.0 + gc - rc);
        }
        h = (float) ((h / 6.0 + 1.0) % 1.0);
        out[0] = clip8((int) (h * 255.0));
        out[1] = clip8((int) (s * 255.0));
        out[2] = maxc;
    }

    /** Pillow's hsv2rgb. */
    static void hsvToRgb(int h, int s, int v, byte[] out, int o) {
        if (s == 0) {
            out[o] = (byte) v;
            out[o + 1] = (byte) v;
            out[o + 2] = (byte) v;
            return;
        }
        int i = (int) Math.floor((float) h * 6.0 / 255.0);
        float f = (float) ((float) h * 6.0 / 255.0 - (float) i);
        float fs = (float) (s / 255.0);
        int p = clip8((int) cRound(v * (1.0 - fs)));
        int q = clip8((int) cRound(v * (1.0 - fs * f)));
        int t = clip8((int) cRound(v * (1.0 - fs * (1.0 - f))));
        int r;
        int g;
        int b;
        switch (i % 6) {
            case 0 -> { r = v; g = t; b = p; }
            case 1 -> { r = q; g = v; b = p; }
            case 2 -> { r = p; g = v; b = t; }
            case 3 -> { r = p; g = q; b = v; }
            case 4 -> { r = t; g = p; b = v; }
            default -> { r = v; g = p; b = q; }
        }
        out[o] = (byte) r;
        out[o + 1] = (byte) g;
        out[o + 2] = (byte) b;
    }

    /** C's round(): half away from zero. */
    private static double cRound(double x) {
        return x < 0 ? -Math.floor(-x + 0.5) : Math.floor(x + 0.5);
    }

    private static int clip8(int v) {
        return v < 0 ? 0 : Math.min(v, 255);
    }

    private static void lut(RgbImage img, int[][] lut) {
        byte[] px = img.data();
        int n = img.width() * img.height() * 3;
        for (int i = 0; i < n; i++) {
            px[i] = (byte) lut[i % 3][px[i] & 0xff];
        }
    }

    private static int[][] histograms(RgbImage img) {
        int[][] h = new int[3][256];
        byte[] px = img.data();
        int n = img.width() * img.height() * 3;
        for (int i = 0; i < n; i++) {
            h[i % 3][px[i] & 0xff]++;
        }
        return h;
    }

    /** ImageOps.posterize: keep the top {@code bits} bits. */
    public static void posterize(RgbImage img, int bits) {
        int mask = ~((1 << (8 - bits)) - 1);
        int[] l = new int[256];
        for (int i = 0; i < 256; i++) {
            l[i] = i & mask & 0xff;
        }
        lut(img, new int[][] {l, l, l});
    }

    /** ImageOps.solarize: invert every value at or above the threshold. */
    public static void solarize(RgbImage img, double threshold) {
        int[] l = new int[256];
        for (int i = 0; i < 256; i++) {
            l[i] = i < threshold ? i : 255 - i;
        }
        lut(img, new int[][] {l, l, l});
    }

    /** ImageOps.autocontrast (no cutoff): stretch each channel's range to 0..255. */
    public static void autocontrast(RgbImage img) {
        int[][] hist = histograms(img);
        int[][] luts = new int[3][256];
        for (int c = 0; c < 3; c++) {
            int[] h = hist[c];
            int lo = 0;
            while (lo < 255 && h[lo] == 0) {
                lo++;
            }
            int hi = 255;
            while (hi > 0 && h[hi] == 0) {
                hi--;
            }
            for (int i = 0; i < 256; i++) {
                if (hi <= lo) {
                    luts[c][i] = i;
                } else {
                    double scale = 255.0 / (hi - lo);
                    double offset = -lo * scale;
                    luts[c][i] = clip8((int) (i * scale + offset));
                }
            }
        }
        lut(img, luts);
    }

    /** ImageOps.equalize: each channel through its cumulative histogram. */
    public static void equalize(RgbImage img) {
        int[][] hist = histograms(img);
        int[][] luts = new int[3][256];
        for (int c = 0; c < 3; c++) {
            int[] h = hist[c];
            int nonzero = 0;
            long total = 0;
            int last = 0;
            for (int i = 0; i < 256; i++) {
                if (h[i] != 0) {
                    nonzero++;
                    total += h[i];
                    last = h[i];
                }
            }
            long step = nonzero <= 1 ? 0 : (total - last) / 255;
            if (step == 0) {
                for (int i = 0; i < 256; i++) {
                    luts[c][i] = i;
                }
            } else {
                long n = step / 2;
                for (int i = 0; i < 256; i++) {
                    luts[c][i] = (int) Math.min(255, n / step);
                    n += h[i];
                }
            }
        }
        lut(img, luts);
    }

    /**
     * {@code Image.transform(size, AFFINE, matrix, NEAREST, fillcolor=black)}: output pixel (x, y) takes the input
     * pixel at matrix × (x + 0.5, y + 0.5), in Pillow's 16.16 fixed point (or its scaling path when the matrix has
     * no rotation or shear terms).
     */
    public static void affineNearest(RgbImage src, double[] a, RgbImage dst) {
        int w = src.width();
        int h = src.height();
        dst.reshape(w, h);
        byte[] in = src.data();
        byte[] out = dst.data();
        java.util.Arrays.fill(out, 0, w * h * 3, (byte) 0);
        if (a[1] == 0 && a[3] == 0) {
            int[] xin = new int[w];
            double xo = a[2] + a[0] * 0.5;
            for (int x = 0; x < w; x++) {
                xin[x] = coord(xo);
                xo += a[0];
            }
            double yo = a[5] + a[4] * 0.5;
            for (int y = 0; y < h; y++) {
                int yi = coord(yo);
                if (yi >= 0 && yi < h) {
                    for (int x = 0; x < w; x++) {
                        if (xin[x] >= 0 && xin[x] < w) {
                            System.arraycopy(in, (yi * w + xin[x]) * 3, out, (y * w + x) * 3, 3);
                        }
                    }
                }
                yo += a[4];
            }
            return;
        }
        int a0 = fix(a[0]);
        int a1 = fix(a[1]);
        int a3 = fix(a[3]);
        int a4 = fix(a[4]);
        int a2 = fix(a[2] + a[0] * 0.5 + a[1] * 0.5);
        int a5 = fix(a[5] + a[3] * 0.5 + a[4] * 0.5);
        for (int y = 0; y < h; y++) {
            int xx = a2;
            int yy = a5;
            for (int x = 0; x < w; x++) {
                int xi = xx >> 16;
                if (xi >= 0 && xi < w) {
                    int yi = yy >> 16;
                    if (yi >= 0 && yi < h) {
                        System.arraycopy(in, (yi * w + xi) * 3, out, (y * w + x) * 3, 3);
                    }
                }
                xx += a0;
                yy += a3;
            }
            a2 += a1;
            a5 += a4;
        }
    }

    private static int coord(double v) {
        return v < 0.0 ? -1 : (int) v;
    }

    private static int fix(double v) {
        double x = v * 65536.0 + 0.5;
        return x < 0.0 ? (int) Math.floor(x) : (int) x;
    }
}
