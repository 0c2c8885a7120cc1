package org.resnet4j.model;

import org.resnet4j.engine.Kernels;

/**
 * One row of the variant table: everything that tells one ResNet from another, before per-run options.
 *
 * @param stemWidth      channels out of the stem
 * @param stageSizes     blocks per stage
 * @param widths         the planes of each stage (block output is planes × expansion)
 * @param transitions    each stage opens with conv3×3 → BN → ReLU → max-pool 2 to its width (the ResNet-9 layout),
 *                       instead of a strided first block
 * @param shortcutName   the state-dict name of a projection: {@code shortcut} (CIFAR ports) or {@code downsample}
 *                       (torchvision)
 */
public record Architecture(String name, String family, Stem stem, int stemWidth, BlockType block, int[] stageSizes,
        int[] widths, boolean transitions, Shortcut shortcut, String shortcutName, InitScheme init, int defaultClasses,
        Shape defaultInput, String description) {

    public Architecture {
        if (stageSizes.length != widths.length) {
            throw new IllegalArgumentException(name + ": " + stageSizes.length + " stage sizes but " + widths.length
                    + " widths");
        }
        stageSizes = stageSizes.clone();
        widths = widths.clone();
    }

    @Override
    public int[] stageSizes() {
        return stageSizes.clone();
    }

    @Override
    public int[] widths() {
        return widths.clone();
    }

    /**
     * Whether nets of this layout run channels-last with the same results as NCHW: all of them, unless the engine
     * found oneDNN planning for one-byte caches that it could not correct ({@link Kernels#channelsLastEverywhere}).
     * Then only the basic-block nets without transitions, whose channels-last training was tested equal to NCHW's
     * under that condition (bottleneck nets crash, ResNet-9's 64→128 transition gets wrong gradients with two
     * threads).
     */
    public boolean supportsChannelsLast() {
        return Kernels.channelsLastEverywhere() || (block.expansion() == 1 && !transitions);
    }

    /**
     * Whether channels-last is also the faster layout, as measured on a 2-core AVX-512 machine (docs/benchmarks.md):
     * for the narrow 6n+2 nets (at most 64 channels) always; for wider nets only when training in bfloat16. oneDNN's
     * NCHW fp32 kernels are faster at 128–512 channels (ResNet-18 training +21 %, inference +37 %), its
     * channels-last ones below that (ResNet-20 training +25 %).
     */
    public boolean prefersChannelsLast(boolean bf16Training) {
        return supportsChannelsLast() && (bf16Training || java.util.Arrays.stream(widths).max().orElse(0) <= 64);
    }
}
