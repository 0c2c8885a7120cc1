package org.resnet4j.data.transform;

/** A crop of an image in torchvision's (top, left, height, width) order, in pixels of the full-size image. */
public record CropBox(int top, int left, int height, int width) {
}
