package org.resnet4j.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnet4j.testing.DataFiles;

class ImageLimitsTest {
    @TempDir
    Path dir;

    @AfterEach
    void restore() {
        ImageLimits.setMaxPixels(ImageLimits.DEFAULT_MAX_PIXELS);
        ImageLimits.setWarnings(System.err::println);
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(12 + data.length);
        b.putInt(data.length).put(type.getBytes(java.nio.charset.StandardCharsets.US_ASCII)).put(data);
        CRC32 crc = new CRC32();
        crc.update(b.array(), 4, 4 + data.length);
        b.putInt((int) crc.getValue());
        out.writeBytes(b.array());
    }

    /** A small valid-looking PNG whose header claims {@code w}×{@code h} RGB pixels (the data is a few rows). */
    static byte[] pngClaiming(int w, int h) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A});
        chunk(out, "IHDR", ByteBuffer.allocate(13).putInt(w).putInt(h).put((byte) 8).put((byte) 2).array());
        Deflater z = new Deflater();
        z.setInput(new byte[3 * w + 1]);
        z.finish();
        byte[] buf = new byte[1 << 16];
        chunk(out, "IDAT", Arrays.copyOf(buf, z.deflate(buf)));
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    @Test
    void aDecompressionBombIsRefusedFromItsHeaderBeforeDecoding() throws IOException {
        Path bomb = dir.resolve("bomb.png");
        Files.write(bomb, pngClaiming(20000, 20000));
        assertThat(Files.size(bomb)).isLessThan(1000);
        assertThatThrownBy(() -> ImageDecoder.read(bomb)).isInstanceOf(ImageTooLargeException.class)
                .isInstanceOf(DataFormatException.class)
                .hasMessageContaining("bomb.png").hasMessageContaining("20000x20000")
                .hasMessageContaining("400,000,000 pixels").hasMessageContaining("--max-image-pixels");
    }

    @Test
    void theLimitIsConfigurableAndWarnsOncePerFileBetweenOnceAndTwiceIt() throws IOException {
        List<String> warnings = new ArrayList<>();
        ImageLimits.setWarnings(warnings::add);
        ImageLimits.setMaxPixels(100);
        Path mid = DataFiles.image(dir.resolve("mid.png"), "png", BufferedImage.TYPE_INT_RGB, 12, 10, 0xFF336699);
        assertThat(ImageDecoder.read(mid).getWidth()).isEqualTo(12);
        ImageDecoder.read(mid);
        assertThat(warnings).hasSize(1);
        assertThat(warnings.get(0)).contains("mid.png").contains("12x10").contains("over 100 pixels");
        Path big = DataFiles.image(dir.resolve("big.png"), "png", BufferedImage.TYPE_INT_RGB, 15, 15, 0xFF336699);
        assertThatThrownBy(() -> ImageDecoder.read(big)).isInstanceOf(ImageTooLargeException.class)
                .hasMessageContaining("limit of 200 pixels");
        ImageLimits.setMaxPixels(ImageLimits.parse("none"));
        assertThat(ImageDecoder.read(big).getWidth()).isEqualTo(15);
        assertThat(ImageLimits.parse("89_478_485")).isEqualTo(ImageLimits.DEFAULT_MAX_PIXELS);
        assertThat(ImageLimits.parse("1,000")).isEqualTo(1000);
        assertThatThrownBy(() -> ImageLimits.parse("-5")).hasMessageContaining("positive number of pixels or 'none'");
    }

    @Test
    void partialFilesAreNeverMistakenForImages() throws IOException {
        Path jpg = DataFiles.image(dir.resolve("whole.jpg"), "jpg", BufferedImage.TYPE_INT_RGB, 64, 48, 0xFF808080);
        byte[] whole = Files.readAllBytes(jpg);
        Path cut = dir.resolve("cut.jpg");
        Files.write(cut, Arrays.copyOf(whole, whole.length - 40));
        assertThatThrownBy(() -> ImageDecoder.read(cut)).isInstanceOf(DataFormatException.class)
                .hasMessageContaining("cut.jpg: truncated JPEG").hasMessageContaining("partial file");
        Path png = DataFiles.image(dir.resolve("whole.png"), "png", BufferedImage.TYPE_INT_RGB, 64, 48, 0xFF808080);
        byte[] p = Files.readAllBytes(png);
        Path cutPng = dir.resolve("cut.png");
        Files.write(cutPng, Arrays.copyOf(p, p.length - 12));
        assertThatThrownBy(() -> ImageDecoder.read(cutPng)).hasMessageContaining("truncated PNG");
        assertThatThrownBy(() -> ImageDecoder.read(dir)).hasMessageContaining("a directory where an image file was"
                + " expected");
    }
}
