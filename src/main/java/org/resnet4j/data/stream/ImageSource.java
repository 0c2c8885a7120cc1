package org.resnet4j.data.stream;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;

import org.resnet4j.data.Shuffle;
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

    /** A fixed random sample of {@code n} of {@code source}'s images (all of them when it has no more). */
    static ImageSource sample(ImageSource source, int n, long seed) {
        if (n >= source.size()) {
            return source;
        }
        int[] pick = Arrays.copyOf(Shuffle.permutation(source.size(), seed), n);
        Arrays.sort(pick);
        return new ImageSource() {
            @Override
            public int size() {
                return n;
            }

            @Override
            public int label(int index) {
                return source.label(pick[index]);
            }

            @Override
            public List<String> classNames() {
                return source.classNames();
            }

            @Override
            public String name(int index) {
                return source.name(pick[index]);
            }

            @Override
            public EncodedImage read(int index, ReadBuffer buffer) throws IOException {
                return source.read(pick[index], buffer);
            }
        };
    }
}
