package org.resnet4j.testing;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

import javax.imageio.ImageIO;

/** Writes small dataset files in the official formats for tests. */
public final class DataFiles {
    private DataFiles() {
    }

    /** The pixel value of byte {@code p} of image {@code i}: varied, reproducible. */
    public static byte pixel(int i, int p) {
        return (byte) (i * 7 + p * 13);
    }

    /** {@code n} CIFAR records (one label byte, or coarse and fine) with labels {@code label(i)}. */
    public static byte[] cifarRecords(int n, int labelBytes, java.util.function.IntUnaryOperator label) {
        int image = 3072;
        byte[] out = new byte[n * (labelBytes + image)];
        for (int i = 0, off = 0; i < n; i++) {
            for (int b = 0; b < labelBytes; b++) {
                out[off++] = (byte) (label.applyAsInt(i) + b); // coarse = label, fine = label + 1
            }
            for (int p = 0; p < image; p++) {
                out[off++] = pixel(i, p);
            }
        }
        return out;
    }

    /** A CIFAR-10 batches folder: {@code perFile} records in each training file, {@code test} in the test file. */
    public static Path cifar10(Path root, int perFile, int test) throws IOException {
        Path dir = Files.createDirectories(root.resolve("cifar-10-batches-bin"));
        for (int f = 1; f <= 5; f++) {
            int base = f * 100;
            Files.write(dir.resolve("data_batch_" + f + ".bin"), cifarRecords(perFile, 1, i -> (base + i) % 10));
        }
        Files.write(dir.resolve("test_batch.bin"), cifarRecords(test, 1, i -> i % 10));
        Files.writeString(dir.resolve("batches.meta.txt"), "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n\n");
        return dir;
    }

    /** An IDX file: magic, dimensions, then {@code data}, gzipped when asked. */
    public static byte[] idx(int magic, int[] dims, byte[] data, boolean gzip) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + data.length);
        b.putInt(magic);
        for (int d : dims) {
            b.putInt(d);
        }
        b.put(data);
        if (!gzip) {
            return b.array();
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream z = new GZIPOutputStream(bytes)) {
            z.write(b.array());
        }
        return bytes.toByteArray();
    }

    /** An MNIST-style folder with {@code n} 28×28 images per split. */
    public static Path mnist(Path dir, int train, int test, boolean gzip) throws IOException {
        Files.createDirectories(dir);
        for (String[] split : new String[][] {{"train", String.valueOf(train)}, {"t10k", String.valueOf(test)}}) {
            int n = Integer.parseInt(split[1]);
            byte[] px = new byte[n * 784];
            for (int i = 0; i < px.length; i++) {
                px[i] = pixel(i / 784, i % 784);
            }
            byte[] labels = new byte[n];
            for (int i = 0; i < n; i++) {
                labels[i] = (byte) (i % 10);
            }
            String gz = gzip ? ".gz" : "";
            Files.write(dir.resolve(split[0] + "-images-idx3-ubyte" + gz), idx(0x803, new int[] {n, 28, 28}, px, gzip));
            Files.write(dir.resolve(split[0] + "-labels-idx1-ubyte" + gz), idx(0x801, new int[] {n}, labels, gzip));
        }
        return dir;
    }

    /** A solid-colour image of the given type and size written as {@code format}. */
    public static Path image(Path file, String format, int type, int w, int h, int argb) throws IOException {
        BufferedImage img = new BufferedImage(w, h, type);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                if (type == BufferedImage.TYPE_BYTE_GRAY) {
                    img.getRaster().setSample(x, y, 0, argb & 0xff); // the stored grey level, not a colour
                } else {
                    img.setRGB(x, y, argb);
                }
            }
        }
        Files.createDirectories(file.getParent());
        if (!ImageIO.write(img, format, file.toFile())) {
            throw new IOException("no writer for " + format + " and type " + type);
        }
        return file;
    }
}
