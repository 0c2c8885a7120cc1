package org.resnet4j.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * The IDX format of MNIST and Fashion-MNIST: a big-endian magic number (0x00000803 for images, 0x00000801 for
 * labels), the dimensions, then unsigned bytes. Files may be gzipped.
 */
public final class Idx {
    private static final int IMAGES_MAGIC = 0x00000803;
    private static final int LABELS_MAGIC = 0x00000801;

    private Idx() {
    }

    /** Reads an images file and its labels file into a 1-channel dataset. */
    public static Dataset load(Path images, Path labels, List<String> classNames) throws IOException {
        int[] dims = new int[3];
        byte[] pixels = read(images, IMAGES_MAGIC, dims);
        int[] labelDims = new int[1];
        byte[] labelBytes = read(labels, LABELS_MAGIC, labelDims);
        if (dims[0] != labelDims[0]) {
            throw new DataFormatException(images + " holds " + dims[0] + " images but " + labels + " holds "
                    + labelDims[0] + " labels");
        }
        int[] out = new int[labelBytes.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = labelBytes[i] & 0xff;
            if (out[i] >= classNames.size()) {
                throw new DataFormatException(labels + ": label " + i + " (byte " + (8 + i) + ") is " + out[i]
                        + ", outside 0.." + (classNames.size() - 1));
            }
        }
        return new InMemoryDataset(pixels, out, 1, dims[1], dims[2], classNames);
    }

    /** The payload of an IDX file with the expected magic; {@code dims} receives its dimensions. */
    private static byte[] read(Path file, int magic, int[] dims) throws IOException {
        try (InputStream raw = open(file); DataInputStream in = new DataInputStream(raw)) {
            int m;
            try {
                m = in.readInt();
            } catch (EOFException e) {
                throw new DataFormatException(file + ": empty or truncated IDX file");
            }
            if (m != magic) {
                throw new DataFormatException(String.format("%s: bad IDX magic number 0x%08x, expected 0x%08x (%s)",
                        file, m, magic, magic == IMAGES_MAGIC ? "unsigned-byte images of 3 dimensions"
                                : "unsigned-byte labels of 1 dimension"));
            }
            long n = 1;
            for (int i = 0; i < dims.length; i++) {
                dims[i] = in.readInt();
                if (dims[i] <= 0) {
                    throw new DataFormatException(file + ": dimension " + i + " is " + dims[i]);
                }
                n *= dims[i];
            }
            if (n > Integer.MAX_VALUE - 8) {
                throw new DataFormatException(file + ": " + n + " bytes of data is too large");
            }
            byte[] data = new byte[(int) n];
            int got = in.readNBytes(data, 0, data.length);
            if (got != data.length) {
                throw new DataFormatException(file + ": truncated: header promises " + n + " bytes of data, found "
                        + got);
            }
            if (in.read() != -1) {
                throw new DataFormatException(file + ": data continues past the " + n + " bytes its header promises");
            }
            return data;
        } catch (ZipException | EOFException e) {
            throw new DataFormatException(file + ": truncated or corrupt (" + e.getMessage() + ")", e);
        }
    }

    private static InputStream open(Path file) throws IOException {
        InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        in.mark(2);
        int b0 = in.read();
        int b1 = in.read();
        in.reset();
        return b0 == 0x1f && b1 == 0x8b ? new GZIPInputStream(in, 1 << 16) : in;
    }
}
