package org.resnet4j.data.transform;

import org.resnet4j.data.Normalization;
import org.resnet4j.data.image.RgbImage;

/**
 * How a transformed image becomes one sample of a float batch: normalised ((x / 255 - mean) / std, one table
 * lookup per value), RGB or PIL's luma for one channel, in C×H×W or channels-last H×W×C order.
 */
public record OutputLayout(Normalization normalization, int channels, boolean channelsLast) {
    public OutputLayout {
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("images convert to 1 or 3 channels, not " + channels);
        }
        if (normalization.channels() != channels) {
            throw new IllegalArgumentException("normalisation has " + normalization.channels() + " channels, the"
                    + " output " + channels);
        }
    }

    /** Writes {@code img} (mirrored when {@code flip}) into {@code out} from index 0. */
    public void write(RgbImage img, boolean flip, float[][] lut, float[] out) {
        int w = img.width();
        int h = img.height();
        byte[] px = img.data();
        int plane = w * h;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int sx = flip ? w - 1 - x : x;
                int p = (y * w + sx) * 3;
                int o = y * w + x;
                if (channels == 1) {
                    int r = px[p] & 0xff;
                    int g = px[p + 1] & 0xff;
                    int b = px[p + 2] & 0xff;
                    out[o] = lut[0][(r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16]; // PIL's ITU-R 601 luma
                } else if (channelsLast) {
                    out[o * 3] = lut[0][px[p] & 0xff];
                    out[o * 3 + 1] = lut[1][px[p + 1] & 0xff];
                    out[o * 3 + 2] = lut[2][px[p + 2] & 0xff];
                } else {
                    out[o] = lut[0][px[p] & 0xff];
                    out[plane + o] = lut[1][px[p + 1] & 0xff];
                    out[2 * plane + o] = lut[2][px[p + 2] & 0xff];
                }
            }
        }
    }

    /**
     * Writes a C×H×W uint8 record of this layout's channels into {@code out} from index 0, as the in-memory batch
     * builder does.
     */
    public void write(byte[] record, float[][] lut, float[] out) {
        int plane = record.length / channels;
        for (int c = 0; c < channels; c++) {
            float[] table = lut[c];
            for (int i = 0; i < plane; i++) {
                out[channelsLast ? i * channels + c : c * plane + i] = table[record[c * plane + i] & 0xff];
            }
        }
    }

    /** Sets the rectangle to {@code value} in every channel (RandomErasing's constant fill). */
    public void fill(float[] out, int size, int top, int left, int height, int width, float value) {
        for (int c = 0; c < channels; c++) {
            for (int y = top; y < top + height; y++) {
                for (int x = left; x < left + width; x++) {
                    out[channelsLast ? (y * size + x) * channels + c : c * size * size + y * size + x] = value;
                }
            }
        }
    }
}
