package org.resnet4j.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** Writes NumPy's .npy format (version 1.0), which {@code numpy.load} reads directly. */
public final class Npy {
    private Npy() {
    }

    /** A float32 matrix, rows × columns, written atomically. */
    public static void write(Path path, float[][] rows) throws IOException {
        int n = rows.length;
        int f = n == 0 ? 0 : rows[0].length;
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + n + ", " + f + "), }";
        int unpadded = 10 + dict.length() + 1;
        int pad = (64 - unpadded % 64) % 64;
        String header = dict + " ".repeat(pad) + "\n";
        ByteBuffer b = ByteBuffer.allocate(10 + header.length() + 4 * n * f).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0);
        b.putShort((short) header.length()).put(header.getBytes(StandardCharsets.US_ASCII));
        for (float[] row : rows) {
            if (row.length != f) {
                throw new IllegalArgumentException("rows of different lengths: " + f + " and " + row.length);
            }
            for (float v : row) {
                b.putFloat(v);
            }
        }
        b.flip();
        AtomicFile.write(path, ch -> {
            while (b.hasRemaining()) {
                ch.write(b);
            }
        });
    }
}
