package org.resnet4j.engine;

import java.util.Locale;

/** The arithmetic a model runs in: float32, or bfloat16 autocast (PyTorch's {@code torch.autocast}). */
public enum Precision {
    FP32, BF16;

    public boolean isBf16() {
        return this == BF16;
    }

    /** Enters this precision's autocast region (a no-op for fp32). */
    public Autocast autocast() {
        return Autocast.bf16(this == BF16);
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
