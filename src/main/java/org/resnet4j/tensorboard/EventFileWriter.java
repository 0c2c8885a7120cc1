package org.resnet4j.tensorboard;

import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

import org.tensorflow.util.Event;

/**
 * An {@code events.out.tfevents.<secs>.<host>} file as TensorBoard reads it: TFRecord framing (little-endian uint64
 * length, masked CRC32C of those 8 bytes, the serialized {@link Event}, masked CRC32C of it), opened with the
 * {@code file_version} event TensorBoard looks for first.
 */
public final class EventFileWriter implements Closeable {
    public static final String FILE_VERSION = "brain.Event:2";
    private static final int MASK_DELTA = 0xa282ead8;

    private final Path path;
    private final OutputStream out;

    private EventFileWriter(Path path, OutputStream out) {
        this.path = path;
        this.out = out;
    }

    /** A new event file in {@code dir}; never replaces one (a second file in the same second gets a suffix). */
    public static EventFileWriter create(Path dir) throws IOException {
        Files.createDirectories(dir);
        long secs = System.currentTimeMillis() / 1000;
        String base = "events.out.tfevents." + secs + "." + host();
        for (int n = 0; ; n++) {
            Path p = dir.resolve(n == 0 ? base : base + "." + n);
            try {
                OutputStream o = Files.newOutputStream(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                EventFileWriter w = new EventFileWriter(p, o);
                w.write(Event.newBuilder().setWallTime(wallTime()).setFileVersion(FILE_VERSION).build());
                w.flush();
                return w;
            } catch (FileAlreadyExistsException e) {
                // taken: try the next suffix
            }
        }
    }

    public Path path() {
        return path;
    }

    public synchronized void write(Event event) throws IOException {
        out.write(frame(event.toByteArray()));
    }

    public synchronized void flush() throws IOException {
        out.flush();
    }

    @Override
    public synchronized void close() throws IOException {
        out.close();
    }

    /** One TFRecord: length, its masked CRC32C, the data, its masked CRC32C. */
    public static byte[] frame(byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(8 + 4 + data.length + 4).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(data.length);
        b.putInt(maskedCrc32c(b.array(), 0, 8));
        b.put(data);
        b.putInt(maskedCrc32c(data, 0, data.length));
        return b.array();
    }

    /** TFRecord's masked CRC32C (Castagnoli): rotated right by 15 bits, plus a constant. */
    public static int maskedCrc32c(byte[] data, int offset, int length) {
        CRC32C crc = new CRC32C();
        crc.update(data, offset, length);
        int c = (int) crc.getValue();
        return ((c >>> 15) | (c << 17)) + MASK_DELTA;
    }

    static double wallTime() {
        return System.currentTimeMillis() / 1000.0;
    }

    private static String host() {
        try {
            String h = InetAddress.getLocalHost().getHostName();
            return h.isEmpty() ? "localhost" : h.replace('/', '_');
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }
}
