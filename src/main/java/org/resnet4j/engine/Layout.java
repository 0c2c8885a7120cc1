package org.resnet4j.engine;

import java.util.Arrays;
import java.util.Locale;

import org.resnet4j.model.Architecture;

/**
 * The memory layout of activations and weights: NCHW or channels-last (NHWC), which give the same results and differ
 * only in speed; {@link #AUTO} picks the faster one for the model and precision.
 */
public enum Layout {
    AUTO, NCHW, CHANNELS_LAST;

    /**
     * Whether nets of this layout run channels-last with the same results as NCHW: all of them, unless the engine
     * found oneDNN planning for one-byte caches that it could not correct ({@link Kernels#channelsLastEverywhere}).
     * Then only the basic-block nets without transitions, whose channels-last training was tested equal to NCHW's
     * under that condition (bottleneck nets crash, ResNet-9's 64→128 transition gets wrong gradients with two
     * threads).
     */
    public static boolean supported(Architecture a) {
        return Kernels.channelsLastEverywhere() || (a.block().expansion() == 1 && !a.transitions());
    }

    /**
     * Whether channels-last is also the faster layout, as measured on a 2-core AVX-512 CPU (docs/benchmarks.md): for
     * the narrow 6n+2 nets (at most 64 channels) always; for wider nets only when training in bfloat16. oneDNN's NCHW
     * fp32 kernels are faster at 128–512 channels (ResNet-18 training +21 %, inference +37 %), its channels-last ones
     * below that (ResNet-20 training +25 %).
     */
    static boolean faster(Architecture a, boolean bf16Training) {
        return supported(a) && (bf16Training || Arrays.stream(a.widths()).max().orElse(0) <= 64);
    }

    /**
     * Whether a model of architecture {@code a} runs channels-last under this choice; asking for channels-last where
     * it is not {@link #supported} is refused.
     */
    public boolean channelsLast(Architecture a, boolean bf16Training) {
        return switch (this) {
            case AUTO -> faster(a, bf16Training);
            case NCHW -> false;
            case CHANNELS_LAST -> {
                if (!supported(a)) {
                    throw new IllegalArgumentException(a.name() + " cannot run channels-last here: libtorch's oneDNN"
                            + " plans its kernels for one-byte caches on this processor, which it gets wrong or crashes"
                            + " on in that layout (docs/engine-notes.md)");
                }
                yield true;
            }
        };
    }

    /**
     * Whether a model of architecture {@code a} runs channels-last on {@code device} in {@code precision}. On the CPU
     * as {@link #channelsLast(Architecture, boolean)} (bf16 training counts); on CUDA {@link #AUTO} takes
     * channels-last for fp16 and bf16, whose tensor-core convolutions in cuDNN work in NHWC, and NCHW for fp32, as
     * PyTorch's AMP guidance recommends (not measured here: no GPU).
     */
    public boolean channelsLastOn(ComputeDevice device, Architecture a, Precision precision, boolean training) {
        if (!device.isCuda()) {
            return channelsLast(a, training && precision.isBf16());
        }
        return switch (this) {
            case AUTO -> precision != Precision.FP32;
            case NCHW -> false;
            case CHANNELS_LAST -> true;
        };
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
