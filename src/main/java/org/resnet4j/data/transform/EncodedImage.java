package org.resnet4j.data.transform;

/** An image file's bytes ({@code data[0, length)}), and the name errors and reports give it. */
public record EncodedImage(byte[] data, int length, String name) {
}
