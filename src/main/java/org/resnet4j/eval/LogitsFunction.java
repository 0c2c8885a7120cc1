package org.resnet4j.eval;

import org.bytedeco.pytorch.Tensor;

/**
 * A classifier as the evaluator sees it: prepared images in, logits out. A resnet4j model is one, and so is an ONNX
 * file run by ONNX Runtime ({@link OnnxRuntimeModel}).
 */
public interface LogitsFunction {
    /** Float logits [N, classes] for images [N, C, H, W] prepared as the model expects. */
    Tensor logits(Tensor images);

    int numClasses();

    int inChannels();

    /** Whether the model wants its input channels-last (libtorch's layout choice; other runtimes take NCHW). */
    default boolean channelsLast() {
        return false;
    }
}
