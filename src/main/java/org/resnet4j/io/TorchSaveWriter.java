package org.resnet4j.io;

import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import org.bytedeco.pytorch.Tensor;
import org.resnet4j.engine.Tensors;

/**
 * Writes a state dict the way {@code torch.save(model.state_dict(), f)} does, so that {@code torch.load(f)} reads it
 * with nothing but PyTorch installed (Debian's PyTorch has no safetensors package): a zip archive of uncompressed
 * records, {@code data.pkl} holding an {@code OrderedDict} of {@code _rebuild_tensor_v2} calls whose storages are
 * persistent ids naming the {@code data/N} records, and the format {@code version}.
 */
final class TorchSaveWriter {
    private static final String ARCHIVE = "archive/";
    /** PyTorch aligns every record's data to 64 bytes so that it can be memory-mapped; so do we. */
    private static final int ALIGNMENT = 64;

    private TorchSaveWriter() {
    }

    static void write(Path path, Map<String, Tensor> stateDict) throws IOException {
        List<byte[]> storages = new ArrayList<>();
        byte[] pickle = pickle(stateDict, storages);
        AtomicFile.write(path, ch -> {
            CountingStream counted = new CountingStream(Channels.newOutputStream(ch));
            try (ZipOutputStream zip = new ZipOutputStream(counted)) {
                store(zip, counted, ARCHIVE + "data.pkl", pickle);
                store(zip, counted, ARCHIVE + "byteorder", "little".getBytes(StandardCharsets.US_ASCII));
                for (int i = 0; i < storages.size(); i++) {
                    store(zip, counted, ARCHIVE + "data/" + i, storages.get(i));
                }
                store(zip, counted, ARCHIVE + "version", "3\n".getBytes(StandardCharsets.US_ASCII));
            }
        });
    }

    /** One uncompressed record, its data aligned with an extra field of padding as PyTorch's writer does. */
    private static void store(ZipOutputStream zip, CountingStream counted, String name, byte[] data)
            throws IOException {
        ZipEntry e = new ZipEntry(name);
        e.setMethod(ZipEntry.STORED);
        e.setSize(data.length);
        e.setCompressedSize(data.length);
        CRC32 crc = new CRC32();
        crc.update(data);
        e.setCrc(crc.getValue());
        e.setTimeLocal(LocalDateTime.of(1980, 1, 1, 0, 0)); // in the DOS range, so no extra time field
        int header = 30 + name.getBytes(StandardCharsets.UTF_8).length + 4;
        int pad = (int) ((ALIGNMENT - (counted.count + header) % ALIGNMENT) % ALIGNMENT);
        ByteBuffer extra = ByteBuffer.allocate(4 + pad).order(ByteOrder.LITTLE_ENDIAN);
        extra.putShort((short) 0x4246).putShort((short) pad); // "FB", PyTorch's padding field
        e.setExtra(extra.array());
        zip.putNextEntry(e);
        zip.write(data);
        zip.closeEntry();
    }

    /**
     * Pickle protocol 2 of {@code OrderedDict([(key, _rebuild_tensor_v2(storage, 0, size, stride, False,
     * OrderedDict())), ...])}, each storage the persistent id {@code ('storage', torch.<Type>Storage, 'N', 'cpu',
     * numel)}; the storages' bytes are added to {@code storages} in order.
     */
    private static byte[] pickle(Map<String, Tensor> stateDict, List<byte[]> storages) {
        Pickle p = new Pickle();
        p.op(0x80).op(2);
        p.global("collections", "OrderedDict").op(')').op('R');
        p.op('(');
        for (Map.Entry<String, Tensor> e : stateDict.entrySet()) {
            Tensor t = e.getValue();
            long[] shape = Tensors.shape(t);
            ByteBuffer bytes = Tensors.toBytes(t);
            byte[] data = new byte[bytes.remaining()];
            bytes.get(data);
            String key = Integer.toString(storages.size());
            storages.add(data);
            p.unicode(e.getKey());
            p.global("torch._utils", "_rebuild_tensor_v2");
            p.op('(');
            p.op('(').unicode("storage").global("torch", TorchSaveReader.storageName(t.scalar_type()))
                    .unicode(key).unicode("cpu").integer(t.numel()).op('t').op('Q');
            p.integer(0);
            p.tuple(shape);
            p.tuple(contiguousStrides(shape));
            p.op(0x89);
            p.global("collections", "OrderedDict").op(')').op('R');
            p.op('t').op('R');
        }
        p.op('u').op('.');
        return p.bytes();
    }

    private static long[] contiguousStrides(long[] shape) {
        long[] stride = new long[shape.length];
        long s = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            stride[d] = s;
            s *= shape[d];
        }
        return stride;
    }

    /** The few pickle opcodes a state dict needs. */
    private static final class Pickle {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Pickle op(int opcode) {
            out.write(opcode);
            return this;
        }

        Pickle global(String module, String name) {
            op('c');
            out.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
            return this;
        }

        Pickle unicode(String s) {
            byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
            op('X');
            littleEndian(utf8.length, 4);
            out.writeBytes(utf8);
            return this;
        }

        Pickle integer(long v) {
            if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
                op('J');
                littleEndian(v, 4);
            } else {
                op(0x8a).op(8); // LONG1: eight little-endian two's-complement bytes
                littleEndian(v, 8);
            }
            return this;
        }

        Pickle tuple(long[] values) {
            op('(');
            for (long v : values) {
                integer(v);
            }
            return op('t');
        }

        private void littleEndian(long v, int bytes) {
            for (int i = 0; i < bytes; i++) {
                out.write((int) (v >>> (8 * i)) & 0xff);
            }
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }

    /** Knows where the zip stream stands, to place each record's data on an aligned offset. */
    private static final class CountingStream extends FilterOutputStream {
        long count;

        CountingStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }

        /** The file channel under it belongs to {@link AtomicFile}, which flushes and closes it. */
        @Override
        public void close() throws IOException {
            out.flush();
        }
    }
}
