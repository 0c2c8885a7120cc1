package org.resnet4j.data;

import java.nio.FloatBuffer;

import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.resnet4j.engine.Tensors;

/** Assembles batches from uint8 records straight into native float tensors, normalising on the way. */
public final class BatchBuilder {
    private final Dataset data;
    private final float[][] lut;

    public BatchBuilder(Dataset data, Normalization norm) {
        if (norm.channels() != data.channels()) {
            throw new IllegalArgumentException("normalisation has " + norm.channels() + " channels, the images "
                    + data.channels());
        }
        this.data = data;
        this.lut = norm.lookupTables();
    }

    /** The images at {@code indices[from..to)}, unaugmented. */
    public Batch build(int[] indices, int from, int to) {
        int n = to - from;
        int c = data.channels();
        int hw = data.height() * data.width();
        Tensor images = Tensors.empty(ScalarType.Float, n, c, data.height(), data.width());
        Tensor labels = Tensors.empty(ScalarType.Long, n);
        FloatBuffer dst = images.data_ptr_float().capacity(images.numel()).asBuffer();
        LongPointer lab = labels.data_ptr_long();
        byte[] img = new byte[data.imageBytes()];
        float[] row = new float[img.length];
        for (int i = 0; i < n; i++) {
            int index = indices[from + i];
            data.copyImage(index, img, 0);
            for (int ch = 0, p = 0; ch < c; ch++) {
                float[] table = lut[ch];
                for (int k = 0; k < hw; k++, p++) {
                    row[p] = table[img[p] & 0xff];
                }
            }
            dst.put(row);
            lab.put(i, data.label(index));
        }
        return new Batch(images, labels, n);
    }
}
