package org.resnet4j.data.shard;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.resnet4j.data.DataFormatException;

/**
 * The samples of one WebDataset tar shard, read sequentially: consecutive entries sharing a key (the path up to
 * the first dot of the file name) form a sample; resnet4j uses its image ({@code .jpg}, {@code .jpeg},
 * {@code .png}, ...) and its class ({@code .cls}, the label in ASCII). Other entries are ignored, as are links.
 */
public final class TarSamples implements AutoCloseable {
    public static final Set<String> IMAGE_EXTENSIONS = Set.of("jpg", "jpeg", "png", "bmp", "gif");
    /** No image file resnet4j reads is larger (the pixel limit bounds real images far below it). */
    static final long MAX_ENTRY_BYTES = 1L << 30;

    /**
     * One sample: its key, image bytes (null when the sample has none or they were not read), label (-1 when it has
     * no .cls) and the shard's file name.
     */
    public record Sample(String key, byte[] image, int length, String extension, int label, String shard) {
        /** {@code shard:key.ext}, the name reports give the sample. */
        public String name() {
            return shard + ":" + key + (extension != null ? "." + extension : "");
        }
    }

    private final Path shard;
    private final TarArchiveInputStream tar;
    private TarArchiveEntry pending;
    private boolean started;

    public TarSamples(Path shard) throws IOException {
        this.shard = shard;
        InputStream in = new BufferedInputStream(Files.newInputStream(shard), 1 << 20);
        this.tar = new TarArchiveInputStream(in);
    }

    public Path shard() {
        return shard;
    }

    private TarArchiveEntry nextFile() throws IOException {
        try {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                if (e.isFile()) {
                    return e;
                }
            }
            return null;
        } catch (IOException | IllegalArgumentException e) {
            throw new DataFormatException(shard + ": not a readable tar shard (" + e.getMessage() + ")", e);
        }
    }

    static String key(String name) {
        int slash = name.lastIndexOf('/');
        int dot = name.indexOf('.', slash + 1);
        return dot < 0 ? name : name.substring(0, dot);
    }

    static String extension(String name) {
        int slash = name.lastIndexOf('/');
        int dot = name.indexOf('.', slash + 1);
        return dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
    }

    /** The next sample, or null at the end of the shard; {@code readImage} false skips the image's bytes. */
    public Sample next(boolean readImage) throws IOException {
        if (!started) {
            pending = nextFile();
            started = true;
        }
        if (pending == null) {
            return null;
        }
        String key = key(pending.getName());
        byte[] image = null;
        int length = 0;
        String ext = null;
        int label = -1;
        while (pending != null && key(pending.getName()).equals(key)) {
            String e = extension(pending.getName());
            long size = pending.getSize();
            if (IMAGE_EXTENSIONS.contains(e) && image == null && ext == null) {
                if (size > MAX_ENTRY_BYTES) {
                    throw new DataFormatException(shard + ": " + pending.getName() + " claims " + size + " bytes");
                }
                ext = e;
                length = (int) size;
                if (readImage) {
                    image = tar.readNBytes(length);
                    if (image.length != length) {
                        throw new DataFormatException(shard + ": truncated at " + pending.getName());
                    }
                }
            } else if (e.equals("cls") && size <= 64) {
                String text = new String(tar.readNBytes((int) size), StandardCharsets.US_ASCII).trim();
                try {
                    label = Integer.parseInt(text);
                } catch (NumberFormatException ex) {
                    throw new DataFormatException(shard + ": " + pending.getName() + " holds '" + text
                            + "', not a class number");
                }
            }
            pending = nextFile();
        }
        return new Sample(key, image, length, ext, label, shard.getFileName().toString());
    }

    @Override
    public void close() throws IOException {
        tar.close();
    }
}
