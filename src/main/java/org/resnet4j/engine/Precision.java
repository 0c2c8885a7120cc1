package org.resnet4j.engine;

import java.util.Locale;

import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The arithmetic a model runs in: float32, or autocast (PyTorch's {@code torch.autocast}) to bfloat16 (CPU and CUDA)
 * or float16 (CUDA, with dynamic loss scaling while training: {@link LossScaler}).
 */
public enum Precision {
    FP32, BF16, FP16;

    public boolean isBf16() {
        return this == BF16;
    }

    /** Whether training needs loss scaling: float16's range is too narrow for small gradients. */
    public boolean needsLossScaling() {
        return this == FP16;
    }

    /** Enters this precision's autocast region on the CPU (a no-op for fp32). */
    public Autocast autocast() {
        return autocast(ComputeDevice.CPU);
    }

    /** Enters this precision's autocast region for ops on {@code device} (a no-op for fp32). */
    public Autocast autocast(ComputeDevice device) {
        return switch (this) {
            case FP32 -> Autocast.of(device.type(), ScalarType.Float);
            case BF16 -> device.isCuda() ? Autocast.of(device.type(), ScalarType.BFloat16) : Autocast.bf16(true);
            case FP16 -> {
                requireSupportedOn(device);
                yield Autocast.of(device.type(), ScalarType.Half);
            }
        };
    }

    /**
     * Refuses a precision the device does not run: float16 autocast is for CUDA (on the CPU, bfloat16 has float32's
     * range and needs no loss scaling).
     *
     * @throws IllegalArgumentException saying so
     */
    public Precision requireSupportedOn(ComputeDevice device) {
        if (this == FP16 && !device.isCuda()) {
            throw new IllegalArgumentException("--precision fp16 needs a CUDA device (fp16 autocast with loss scaling);"
                    + " on the CPU use --precision bf16");
        }
        return this;
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
