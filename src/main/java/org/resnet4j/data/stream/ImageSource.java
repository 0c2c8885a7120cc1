package org.resnet4j.data.stream;

import java.io.IOException;
import java.util.List;

import org.resnet4j.data.transform.EncodedImage;

/** Labelled encoded images by index (a folder's files): what a streaming loader decodes batch by batch. */
public interface ImageSource {
    int size();

    int label(int index);

    List<String> classNames();

    /** The name reports give image {@code index} (its path). */
    String name(int index);

    /** The bytes of image {@code index}, read into {@code buffer} (grown when needed). */
    EncodedImage read(int index, ReadBuffer buffer) throws IOException;
}
