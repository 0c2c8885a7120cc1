package org.resnet4j.testing;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;

import javax.imageio.ImageIO;

import org.resnet4j.data.DatasetKind;
import org.resnet4j.eval.Predictor;

/** Real images for prediction tests: CIFAR-10 test images from the fixtures, and crafted PNGs. */
public final class TestImages {
    private static final int RECORD = 3073;
    private static byte[] cifar;

    private TestImages() {
    }

    /** The committed resnet20 (trained in PyTorch) with CIFAR-10's preprocessing. */
    public static Predictor cifarPredictor() {
        try {
            return Predictor.load(Fixtures.path("resnet20_trained.safetensors"), "resnet20", DatasetKind.CIFAR10);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** How many CIFAR-10 test images the fixture holds. */
    public static synchronized int cifarCount() {
        return records().length / RECORD;
    }

    /** CIFAR-10 test image {@code i} of the fixture, 32×32 RGB. */
    public static BufferedImage cifar(int i) {
        byte[] r = records();
        BufferedImage img = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
        int o = i * RECORD + 1;
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 32; x++) {
                int p = y * 32 + x;
                img.setRGB(x, y, (r[o + p] & 0xff) << 16 | (r[o + 1024 + p] & 0xff) << 8 | r[o + 2048 + p] & 0xff);
            }
        }
        return img;
    }

    public static byte[] png(BufferedImage img) {
        return encode(img, "png");
    }

    public static byte[] encode(BufferedImage img, String format) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(img, format, out)) {
                throw new IllegalStateException("no ImageIO writer for " + format);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /**
     * A valid black 1-bit PNG of {@code width}×{@code height}: tens of kilobytes on disk, {@code 4 × width × height}
     * bytes once decoded to RGB, the decompression bomb a pixel limit is for.
     */
    public static byte[] pngBomb(int width, int height) {
        try {
            ByteArrayOutputStream idat = new ByteArrayOutputStream();
            try (DeflaterOutputStream z = new DeflaterOutputStream(idat, new Deflater(Deflater.BEST_COMPRESSION))) {
                byte[] row = new byte[1 + (width + 7) / 8]; // filter type 0, then the row's bits
                for (int y = 0; y < height; y++) {
                    z.write(row);
                }
            }
            ByteArrayOutputStream png = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(png);
            out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
            ByteArrayOutputStream ihdr = new ByteArrayOutputStream();
            DataOutputStream h = new DataOutputStream(ihdr);
            h.writeInt(width);
            h.writeInt(height);
            h.write(new byte[] {1, 0, 0, 0, 0}); // bit depth 1, greyscale, deflate, adaptive filtering, no interlace
            chunk(out, "IHDR", ihdr.toByteArray());
            chunk(out, "IDAT", idat.toByteArray());
            chunk(out, "IEND", new byte[0]);
            return png.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void chunk(DataOutputStream out, String type, byte[] data) throws IOException {
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        out.writeInt(data.length);
        out.write(t);
        out.write(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        out.writeInt((int) crc.getValue());
    }

    private static synchronized byte[] records() {
        if (cifar == null) {
            try {
                cifar = Files.readAllBytes(Fixtures.path("cifar_eval/test_batch.bin"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return cifar;
    }
}
