package org.resnet4j.model;

import java.util.Locale;

/** How a fresh model's weights are drawn. BatchNorm starts at weight 1, bias 0 under every scheme. */
public enum InitScheme {
    /** PyTorch's module defaults: conv and linear weights U(±1/√fan_in), linear bias likewise. */
    PYTORCH,
    /** torchvision's ResNet: conv weights N(0, 2/fan_out); linear keeps PyTorch's default. */
    TORCHVISION,
    /** He et al.'s N(0, 2/fan_in) for conv and linear weights, as the common PyTorch ports of the 6n+2 nets do. */
    HE;

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static InitScheme parse(String s) {
        for (InitScheme v : values()) {
            if (v.name().equalsIgnoreCase(s)) {
                return v;
            }
        }
        throw new IllegalArgumentException("unknown init scheme '" + s + "' (expected pytorch, torchvision or he)");
    }
}
