package org.resnet4j.model;


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
}
