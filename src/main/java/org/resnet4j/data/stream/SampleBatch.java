package org.resnet4j.data.stream;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;

import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.MemoryFormat;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.resnet4j.data.Batch;
import org.resnet4j.data.transform.OutputLayout;

/**
 * A batch being filled sample by sample, straight into its native tensor: N×C×S×S floats (contiguous or
 * channels-last, where each sample is one contiguous run either way) and N int64 labels. Samples that are left out
 * shrink the batch to those written.
 */
public final class SampleBatch {
    private final Tensor images;
    private final Tensor labels;
    private final FloatBuffer pixels;
    private final LongPointer labelData;
    private final int sampleFloats;
    private int written;

    public SampleBatch(int n, OutputLayout layout, int size) {
        images = torch.empty(new long[] {n, layout.channels(), size, size}, new TensorOptions(ScalarType.Float),
                new MemoryFormatOptional(layout.channelsLast() ? MemoryFormat.ChannelsLast : MemoryFormat.Contiguous));
        labels = torch.empty(new long[] {n}, new TensorOptions(ScalarType.Long), new MemoryFormatOptional());
        pixels = images.data_ptr_float().capacity(images.numel()).asBuffer();
        labelData = labels.data_ptr_long();
        sampleFloats = layout.channels() * size * size;
    }

    public void put(float[] sample, int label) {
        pixels.put(written * sampleFloats, sample, 0, sampleFloats);
        labelData.put(written, label);
        written++;
    }

    public int written() {
        return written;
    }

    public Batch finish() {
        long n = images.size(0);
        if (written == n) {
            return new Batch(images, labels, written);
        }
        Tensor i = images.narrow(0, 0, written);
        Tensor l = labels.narrow(0, 0, written);
        images.close();
        labels.close();
        return new Batch(i, l, written);
    }

    public void abandon() {
        images.close();
        labels.close();
    }

    /** Resources of every worker, closed with the loader. */
    static final class Registry<T extends AutoCloseable> {
        private final List<T> items = new ArrayList<>();

        synchronized T add(T t) {
            items.add(t);
            return t;
        }

        synchronized void closeAll() {
            for (T t : items) {
                try {
                    t.close();
                } catch (Exception e) {
                    // closing natives at shutdown: nothing to report
                }
            }
            items.clear();
        }
    }
}
