package org.resnet4j.model;

/** How a residual block carries its input past the residual branch (He et al. 2015, section 4.1). */
public enum Shortcut {
    /** Identity; where the shape changes, subsample by the stride and zero-pad the new channels (no parameters). */
    A,
    /** Identity; where the shape changes, a 1×1 convolution (+ BN in post-activation blocks). */
    B,
    /** No shortcut at all: the block is a plain stack of layers. */
    NONE;

    public static Shortcut parse(String s) {
        for (Shortcut v : values()) {
            if (v.name().equalsIgnoreCase(s)) {
                return v;
            }
        }
        throw new IllegalArgumentException("unknown shortcut option '" + s + "' (expected A, B or NONE)");
    }
}
