package org.resnet4j.data;

import java.util.ArrayList;
import java.util.List;

/**
 * Labelled images held as uint8, channel-major (C×H×W), all of one size: the form every reader produces and the
 * batch builder consumes. Float conversion happens per batch, never for a whole dataset.
 */
public interface Dataset {
    int size();

    int channels();

    int height();

    int width();

    default int imageBytes() {
        return channels() * height() * width();
    }

    int label(int index);

    /** Copies image {@code index} (C×H×W uint8) into {@code dst} at {@code offset}. */
    void copyImage(int index, byte[] dst, int offset);

    List<String> classNames();

    default int numClasses() {
        return classNames().size();
    }

    /** {@code names} extended to {@code classes} entries with {@code class_<i>} (a model can predict more classes). */
    static List<String> padClassNames(List<String> names, int classes) {
        List<String> out = new ArrayList<>(names);
        while (out.size() < classes) {
            out.add("class_" + out.size());
        }
        return List.copyOf(out);
    }
}
