package org.resnet4j.data.shard;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Locale;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.resnet4j.data.ImageHeader;
import org.resnet4j.data.Shuffle;
import org.resnet4j.data.stream.FolderIndex;
import org.resnet4j.data.stream.ReadBuffer;
import org.resnet4j.data.stream.FolderSource;
import org.resnet4j.data.transform.EncodedImage;

/**
 * Packs an image folder split into WebDataset tar shards ({@code <split>-000000.tar}, ...), each sample a
 * {@code NNNNNN.<ext>} image and a {@code NNNNNN.cls} label, as {@code webdataset.ShardWriter} writes them, plus
 * {@code shards.json} (sample counts and class names). Images are checked (header, pixel limit, truncation) but not
 * re-encoded; training splits are shuffled (seeded) first, since shards are read in order. Every shard is written
 * to a temporary name and renamed when complete, the manifest last: an interrupted pack never leaves a shard that
 * looks whole.
 */
public final class ShardWriter {
    /** Progress and the images left out. */
    public interface Listener {
        default void progress(long done, long total, long bytes) {
        }

        default void skipped(String file, String reason) {
        }
    }

    /** @param maxSamples samples per shard at most; @param maxBytes bytes per shard at most (before the next sample) */
    public record Options(int maxSamples, long maxBytes, boolean shuffle, long seed) {
        public Options {
            if (maxSamples < 1 || maxBytes < 1) {
                throw new IllegalArgumentException("shards need room for at least one sample");
            }
        }
    }

    public record Result(List<ShardSet.Shard> shards, long samples, long skipped, long bytes) {
    }

    private ShardWriter() {
    }

    public static Result pack(FolderIndex index, Path out, String split, Options options, Listener listener)
            throws IOException {
        Files.createDirectories(out);
        int n = index.size();
        int[] order = options.shuffle() ? Shuffle.permutation(n, options.seed()) : null;
        FolderSource source = new FolderSource(index);
        ReadBuffer buffer = new ReadBuffer();
        List<ShardSet.Shard> shards = new ArrayList<>();
        long skipped = 0;
        long totalBytes = 0;
        int written = 0;
        Open open = null;
        try {
            for (int k = 0; k < n; k++) {
                int i = order == null ? k : order[k];
                EncodedImage img;
                try {
                    img = source.read(i, buffer);
                    ImageHeader.checked(img.data(), img.length(), img.name());
                } catch (IOException e) {
                    skipped++;
                    listener.skipped(source.name(i), e.getMessage());
                    continue;
                }
                if (open != null && (open.samples >= options.maxSamples()
                        || open.bytes + img.length() + 2048 > options.maxBytes())) {
                    shards.add(open.finish());
                    open = null;
                }
                if (open == null) {
                    open = new Open(out.resolve(String.format(Locale.ROOT, "%s-%06d.tar", split, shards.size())));
                }
                String key = String.format(Locale.ROOT, "%06d", written);
                open.add(key + "." + extension(index.relative(i)), img.data(), img.length());
                open.add(key + ".cls", String.valueOf(index.label(i)).getBytes(StandardCharsets.US_ASCII), -1);
                open.samples++;
                written++;
                totalBytes += img.length();
                listener.progress(k + 1, n, totalBytes);
            }
            if (open != null) {
                shards.add(open.finish());
                open = null;
            }
        } finally {
            if (open != null) {
                open.abandon();
            }
        }
        ShardSet.writeManifest(out, split, shards, index.classNames());
        return new Result(List.copyOf(shards), written, skipped, totalBytes);
    }

    static String extension(String name) {
        String e = name.substring(name.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT);
        return e.equals("jpeg") ? "jpg" : e;
    }

    /** A shard being written under a temporary name. */
    private static final class Open {
        final Path target;
        final Path tmp;
        final TarArchiveOutputStream tar;
        int samples;
        long bytes;

        Open(Path target) throws IOException {
            this.target = target;
            this.tmp = target.resolveSibling("." + target.getFileName() + ".tmp");
            OutputStream os = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20);
            this.tar = new TarArchiveOutputStream(os);
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        }

        void add(String name, byte[] data, int length) throws IOException {
            int len = length < 0 ? data.length : length;
            TarArchiveEntry e = new TarArchiveEntry(name);
            e.setSize(len);
            e.setMode(0100644);
            e.setModTime(new Date(0)); // reproducible shards
            tar.putArchiveEntry(e);
            tar.write(data, 0, len);
            tar.closeArchiveEntry();
            bytes += 512 + ((len + 511) / 512) * 512L;
        }

        ShardSet.Shard finish() throws IOException {
            tar.finish();
            tar.close();
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return new ShardSet.Shard(target, samples);
        }

        void abandon() {
            try {
                tar.close();
            } catch (IOException e) {
                // removing it below is what matters
            }
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException e) {
                // nothing more to do
            }
        }
    }
}
