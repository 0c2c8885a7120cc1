package org.resnet4j.data;

import org.bytedeco.pytorch.Tensor;

/** Images [N, C, H, W] as normalised floats and labels [N] as int64, in native memory. */
public record Batch(Tensor images, Tensor labels, int size) implements AutoCloseable {
    @Override
    public void close() {
        images.close();
        labels.close();
    }
}
