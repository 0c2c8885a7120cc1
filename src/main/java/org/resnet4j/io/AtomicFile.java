package org.resnet4j.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes a file so that a reader, or a crash at any moment, sees either the old content or the complete new one:
 * write a temporary file beside it, flush it to disk, rename it over the target. The previous content can be kept
 * under a second name ({@code last.ckpt} becoming {@code last.prev.ckpt}), with the target there at every moment.
 */
public final class AtomicFile {
    /** Fills the channel; the channel is flushed and closed by {@link AtomicFile}. */
    @FunctionalInterface
    public interface Writer {
        void write(FileChannel out) throws IOException;
    }

    private AtomicFile() {
    }

    public static void write(Path target, Writer writer) throws IOException {
        write(target, null, writer);
    }

    /**
     * Writes {@code target} atomically and, when {@code previous} is not null and the target exists, keeps what it
     * held as {@code previous} (replacing that). The old content is hard-linked to its new name before the new file
     * is renamed over the target, so a crash at any moment leaves the target whole; where the file system has no
     * hard links, the old file is renamed instead and for a moment only {@code previous} exists.
     */
    public static void write(Path target, Path previous, Writer writer) throws IOException {
        if (Files.isDirectory(target)) {
            throw new FileSystemException(target.toString(), null, "a directory where a file was expected");
        }
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        removeLeftovers(dir, target.getFileName().toString());
        // Not Files.createTempFile: its owner-only permissions would stay with the file, unlike what any other
        // program writing a checkpoint or weights file leaves (the umask's).
        Path tmp = dir.resolve("." + target.getFileName() + "."
                + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36) + ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW)) {
                writer.write(ch);
                PausePoints.reach("unsynced", target);
                ch.force(true);
            }
            PausePoints.reach("synced", target);
            if (previous != null && Files.exists(target)) {
                keepAs(target, previous);
                PausePoints.reach("rotated", target);
            }
            move(tmp, target);
            PausePoints.reach("replaced", target);
            syncDirectory(dir);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static void keepAs(Path target, Path previous) throws IOException {
        Path link = previous.resolveSibling("." + previous.getFileName() + ".link.tmp");
        Files.deleteIfExists(link);
        try {
            Files.createLink(link, target);
        } catch (UnsupportedOperationException | IOException e) {
            Files.deleteIfExists(link);
            move(target, previous);
            return;
        }
        move(link, previous);
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    public static void writeString(Path target, String content) throws IOException {
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        write(target, ch -> {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) {
                ch.write(b);
            }
        });
    }

    /**
     * Deletes temporary files of {@code name} that a writer killed mid-write left behind (each file has one writer
     * at a time: a run folder is not shared between processes).
     */
    private static void removeLeftovers(Path dir, String name) throws IOException {
        try (var files = Files.newDirectoryStream(dir, "." + name + "*.tmp")) {
            for (Path p : files) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** Makes the rename itself durable; not every file system lets a directory be opened, which is fine. */
    private static void syncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // best effort
        }
    }
}
