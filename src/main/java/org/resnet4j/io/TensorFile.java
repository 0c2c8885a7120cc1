package org.resnet4j.io;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

import org.bytedeco.pytorch.Tensor;

/** Named tensors read from, or to be written to, a weights file, with the file's string metadata. */
public record TensorFile(Map<String, Tensor> tensors, Map<String, String> metadata) {
    public TensorFile {
        tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
        metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    }
}
