package org.resnet4j.data.stream;

/** A worker's reusable byte buffer for encoded images. */
public final class ReadBuffer {
    private byte[] bytes = new byte[1 << 18];

    /** A buffer of at least {@code n} bytes (the same one while it is large enough). */
    public byte[] ensure(int n) {
        if (bytes.length < n) {
            bytes = new byte[Math.max(n, bytes.length + bytes.length / 2)];
        }
        return bytes;
    }
}
