package org.resnet4j.data;

import java.util.Arrays;
import java.util.List;

/** A view of some of another dataset's images, in the given order. */
public final class Subset implements Dataset {
    private final Dataset base;
    private final int[] indices;

    public Subset(Dataset base, int[] indices) {
        for (int i : indices) {
            if (i < 0 || i >= base.size()) {
                throw new IllegalArgumentException("index " + i + " outside a dataset of " + base.size());
            }
        }
        this.base = base;
        this.indices = indices.clone();
    }

    /** A seeded random sample of {@code n} images (all of them when n is larger), in their original order. */
    public static Dataset sample(Dataset d, int n, long seed) {
        if (n >= d.size()) {
            return d;
        }
        int[] pick = Arrays.copyOf(Shuffle.permutation(d.size(), seed), n);
        Arrays.sort(pick);
        return new Subset(d, pick);
    }

    @Override
    public int size() {
        return indices.length;
    }

    @Override
    public int channels() {
        return base.channels();
    }

    @Override
    public int height() {
        return base.height();
    }

    @Override
    public int width() {
        return base.width();
    }

    @Override
    public int label(int index) {
        return base.label(indices[index]);
    }

    @Override
    public void copyImage(int index, byte[] dst, int offset) {
        base.copyImage(indices[index], dst, offset);
    }

    @Override
    public List<String> classNames() {
        return base.classNames();
    }
}
