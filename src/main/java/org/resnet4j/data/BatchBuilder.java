package org.resnet4j.data;

import java.nio.FloatBuffer;
import java.util.SplittableRandom;

import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.MemoryFormat;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.resnet4j.data.image.RgbImage;
import org.resnet4j.data.transform.CropBox;
import org.resnet4j.engine.Tensors;

/**
 * Assembles batches from uint8 records straight into native float tensors: crop, flip, normalise (one table
 * lookup per pixel) and cutout in a single pass, in NCHW or channels-last (NHWC) memory order. With
 * TrivialAugmentWide the cropped and flipped image goes through it as 8-bit RGB first (a grey image as three equal
 * channels, which every operation keeps equal); RandomErasing comes last, on the normalised image.
 * One builder per thread: it owns scratch buffers.
 */
public final class BatchBuilder {
    private final Dataset data;
    private final float[][] lut;
    private final Augmentation aug;
    private final boolean channelsLast;
    private final byte[] img;
    private final float[] out;
    private final RgbImage rgb;
    private final RgbImage scratch = new RgbImage();

    public BatchBuilder(Dataset data, Normalization norm, Augmentation aug, boolean channelsLast) {
        if (norm.channels() != data.channels()) {
            throw new IllegalArgumentException("normalisation has " + norm.channels() + " channels, the images "
                    + data.channels());
        }
        this.data = data;
        this.lut = norm.lookupTables();
        this.aug = aug;
        this.channelsLast = channelsLast;
        this.img = new byte[data.imageBytes()];
        this.out = new float[data.imageBytes()];
        this.rgb = aug.autoAugment() != null ? new RgbImage(data.width(), data.height()) : null;
    }

    public BatchBuilder(Dataset data, Normalization norm) {
        this(data, norm, Augmentation.NONE, false);
    }

    /** The images at {@code indices[from..to)}, unaugmented. */
    public Batch build(int[] indices, int from, int to) {
        return build(indices, from, to, null);
    }

    /** The images at {@code indices[from..to)}, augmented with draws from {@code rng} (none when null). */
    public Batch build(int[] indices, int from, int to, SplittableRandom rng) {
        int n = to - from;
        int c = data.channels();
        int h = data.height();
        int w = data.width();
        Tensor images = torch.empty(new long[] {n, c, h, w}, new TensorOptions(ScalarType.Float),
                new MemoryFormatOptional(channelsLast ? MemoryFormat.ChannelsLast : MemoryFormat.Contiguous));
        Tensor labels = Tensors.empty(ScalarType.Long, n);
        FloatBuffer dst = images.data_ptr_float().capacity(images.numel()).asBuffer();
        LongPointer lab = labels.data_ptr_long();
        boolean augment = rng != null && !aug.isNone();
        for (int i = 0; i < n; i++) {
            int index = indices[from + i];
            data.copyImage(index, img, 0);
            int pad = augment ? aug.cropPadding() : 0;
            int dy = pad == 0 ? 0 : rng.nextInt(2 * pad + 1) - pad;
            int dx = pad == 0 ? 0 : rng.nextInt(2 * pad + 1) - pad;
            boolean flip = augment && aug.flip() && rng.nextBoolean();
            if (augment && aug.autoAugment() != null) {
                normalise(c, aug.autoAugment().apply(crop(c, h, w, dy, dx, flip), rng, scratch));
            } else {
                render(c, h, w, dy, dx, flip);
            }
            if (augment && aug.cutout() > 0) {
                cutout(c, h, w, aug.cutout(), rng.nextInt(h), rng.nextInt(w));
            }
            if (augment && aug.erasing() != null) {
                CropBox e = aug.erasing().sample(h, w, rng);
                if (e != null) {
                    fill(c, h, w, e, aug.erasing().value());
                }
            }
            dst.put(out);
            lab.put(i, data.label(index));
        }
        return new Batch(images, labels, n);
    }

    /**
     * Writes the normalised image shifted by (dy, dx) (pixels from outside read as zero bytes, RandomCrop's fill)
     * and mirrored if asked, in the batch tensor's memory order.
     */
    private void render(int c, int h, int w, int dy, int dx, boolean flip) {
        int plane = h * w;
        for (int ch = 0; ch < c; ch++) {
            float[] table = lut[ch];
            float zero = table[0];
            int srcPlane = ch * plane;
            for (int y = 0; y < h; y++) {
                int sy = y + dy;
                boolean rowInside = sy >= 0 && sy < h;
                int srcRow = srcPlane + sy * w;
                for (int x = 0; x < w; x++) {
                    int sx = (flip ? w - 1 - x : x) + dx;
                    float v = rowInside && sx >= 0 && sx < w ? table[img[srcRow + sx] & 0xff] : zero;
                    out[channelsLast ? (y * w + x) * c + ch : srcPlane + y * w + x] = v;
                }
            }
        }
    }

    /** The record shifted by (dy, dx) with zero fill and mirrored if asked, as 8-bit RGB in {@link #rgb}. */
    private RgbImage crop(int c, int h, int w, int dy, int dx, boolean flip) {
        byte[] px = rgb.data();
        int plane = h * w;
        for (int y = 0; y < h; y++) {
            int sy = y + dy;
            for (int x = 0; x < w; x++) {
                int sx = (flip ? w - 1 - x : x) + dx;
                boolean inside = sy >= 0 && sy < h && sx >= 0 && sx < w;
                int o = 3 * (y * w + x);
                for (int ch = 0; ch < 3; ch++) {
                    px[o + ch] = inside ? img[Math.min(ch, c - 1) * plane + sy * w + sx] : 0;
                }
            }
        }
        return rgb;
    }

    /** Writes an 8-bit RGB image normalised in the batch's memory order; one channel takes red (all are equal). */
    private void normalise(int c, RgbImage image) {
        byte[] px = image.data();
        int plane = image.width() * image.height();
        for (int i = 0; i < plane; i++) {
            for (int ch = 0; ch < c; ch++) {
                out[channelsLast ? i * c + ch : ch * plane + i] = lut[ch][px[3 * i + ch] & 0xff];
            }
        }
    }

    /** RandomErasing's rectangle set to {@code value} in every channel. */
    private void fill(int c, int h, int w, CropBox e, float value) {
        for (int ch = 0; ch < c; ch++) {
            for (int y = e.top(); y < e.top() + e.height(); y++) {
                for (int x = e.left(); x < e.left() + e.width(); x++) {
                    out[channelsLast ? (y * w + x) * c + ch : ch * h * w + y * w + x] = value;
                }
            }
        }
    }

    /** DeVries and Taylor's Cutout: a square of zeros (in normalised space) centred at (cy, cx), clipped. */
    private void cutout(int c, int h, int w, int size, int cy, int cx) {
        int y0 = Math.max(0, cy - size / 2);
        int y1 = Math.min(h, cy + size / 2 + size % 2);
        int x0 = Math.max(0, cx - size / 2);
        int x1 = Math.min(w, cx + size / 2 + size % 2);
        for (int ch = 0; ch < c; ch++) {
            for (int y = y0; y < y1; y++) {
                for (int x = x0; x < x1; x++) {
                    out[channelsLast ? (y * w + x) * c + ch : ch * h * w + y * w + x] = 0f;
                }
            }
        }
    }
}
