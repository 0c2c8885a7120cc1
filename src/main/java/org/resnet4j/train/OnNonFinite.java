package org.resnet4j.train;

/**
 * What a run does at a step whose loss, gradients or BatchNorm statistics are NaN or infinite: stop with the last
 * good checkpoint untouched, or skip the step (no update; counted and reported), as Lightning and timm users do by
 * hand. A run stops in either case when its evaluation loss is not finite, or when every step of a stretch is.
 */
public enum OnNonFinite {
    STOP, SKIP;

    @Override
    public String toString() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
