package org.resnet4j.eval;

/** Mean cross-entropy loss and top-1 / top-5 accuracy (fractions) over {@code n} images. */
public record EvalResult(double loss, double top1, double top5, long n) {
}
