package org.resnet4j.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes a file so that a reader, or a crash at any moment, sees either the old content or the complete new one:
 * write a temporary file beside it, flush it to disk, rename it over the target.
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
                ch.force(true);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            syncDirectory(dir);
        } finally {
            Files.deleteIfExists(tmp);
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
