package org.resnet4j.data.transform;

import org.resnet4j.data.image.ImageReader;
import org.resnet4j.data.image.RgbImage;

/** One worker's decoder and scratch images, reused from sample to sample. */
public final class Workspace implements AutoCloseable {
    final ImageReader reader;
    final RgbImage decoded = new RgbImage();
    final RgbImage resized = new RgbImage();
    final RgbImage scratch = new RgbImage();

    public Workspace(ImageReader reader) {
        this.reader = reader;
    }

    public ImageReader reader() {
        return reader;
    }

    @Override
    public void close() {
        reader.close();
    }
}
