package org.resnet4j.model;

/** The layers before the first stage. */
public enum Stem {
    /** conv3×3 stride 1 (+ BN → ReLU in post-activation nets), no pooling: CIFAR's 32×32 inputs. */
    CIFAR,
    /** conv7×7 stride 2 → BN → ReLU → max-pool 3×3 stride 2: torchvision's ImageNet nets. */
    IMAGENET
}
