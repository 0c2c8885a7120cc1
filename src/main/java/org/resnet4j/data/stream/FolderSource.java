package org.resnet4j.data.stream;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

import org.resnet4j.data.DataFormatException;
import org.resnet4j.data.ImageTooLargeException;
import org.resnet4j.data.transform.EncodedImage;

/** The images of a {@link FolderIndex}, read from disk one file at a time. */
public final class FolderSource implements ImageSource {
    /** Larger files are refused before reading (a pixel-limited image never needs more). */
    static final long MAX_FILE_BYTES = 1L << 30;

    private final FolderIndex index;

    public FolderSource(FolderIndex index) {
        this.index = index;
    }

    public FolderIndex index() {
        return index;
    }

    @Override
    public int size() {
        return index.size();
    }

    @Override
    public int label(int i) {
        return index.label(i);
    }

    @Override
    public List<String> classNames() {
        return index.classNames();
    }

    @Override
    public String name(int i) {
        return index.file(i).toString();
    }

    @Override
    public EncodedImage read(int i, ReadBuffer buffer) throws IOException {
        Path file = index.file(i);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size > MAX_FILE_BYTES) {
                throw new ImageTooLargeException(file + ": " + size + " bytes, more than any image file resnet4j"
                        + " reads (" + MAX_FILE_BYTES + ")", 0, 0);
            }
            if (size == 0) {
                throw new DataFormatException(file + ": empty file");
            }
            byte[] b = buffer.ensure((int) size);
            ByteBuffer dst = ByteBuffer.wrap(b, 0, (int) size);
            while (dst.hasRemaining()) {
                if (ch.read(dst) < 0) {
                    throw new EOFException(file + ": file shrank while being read");
                }
            }
            return new EncodedImage(b, (int) size, file.toString());
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file.toString(), null, "image file removed since the folder was indexed");
        }
    }
}
