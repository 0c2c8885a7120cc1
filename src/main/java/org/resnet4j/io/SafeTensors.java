package org.resnet4j.io;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.pytorch.Tensor;
import org.resnet4j.engine.Tensors;

/**
 * The safetensors format: an 8-byte little-endian header length, a JSON header naming each tensor's dtype, shape
 * and byte range, then the raw little-endian data. https://github.com/huggingface/safetensors
 */
public final class SafeTensors {
    private static final long MAX_HEADER = 100L << 20;
    private static final String METADATA = "__metadata__";
    private static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private SafeTensors() {
    }

    private record Entry(String name, DType dtype, long[] shape, long begin, long end) {
    }

    public static TensorFile read(Path path) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            byte[] header = readHeader(path, ch);
            long dataStart = 8L + header.length;
            List<Entry> entries = new ArrayList<>();
            Map<String, String> metadata = parseHeader(path, header, entries);
            checkLayout(path, entries, ch.size() - dataStart);
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (Entry e : entries) {
                Tensor t = Tensors.empty(e.dtype.scalarType(), e.shape);
                long n = e.end - e.begin;
                if (n > 0) {
                    readFully(ch, new BytePointer(t.data_ptr()).capacity(n).asBuffer(), dataStart + e.begin);
                }
                tensors.put(e.name, t);
            }
            return new TensorFile(tensors, metadata);
        }
    }

    /** Reads only the header's metadata, for example to learn which model a file holds. */
    public static Map<String, String> readMetadata(Path path) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            return parseHeader(path, readHeader(path, ch), new ArrayList<>());
        }
    }

    private static byte[] readHeader(Path path, FileChannel ch) throws IOException {
        long size = ch.size();
        if (size < 8) {
            throw new WeightsFormatException(path + ": not a safetensors file (" + size + " bytes)");
        }
        ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, len, 0);
        long headerLength = len.flip().getLong();
        if (headerLength <= 0 || headerLength > MAX_HEADER || headerLength > size - 8) {
            throw new WeightsFormatException(path + ": not a safetensors file, or truncated (header length "
                    + Long.toUnsignedString(headerLength) + ", file " + size + " bytes)");
        }
        ByteBuffer header = ByteBuffer.allocate((int) headerLength);
        readFully(ch, header, 8);
        return header.array();
    }

    private static Map<String, String> parseHeader(Path path, byte[] header, List<Entry> entries)
            throws WeightsFormatException {
        JsonNode root;
        try {
            root = JSON.readTree(new String(header, StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            throw new WeightsFormatException(path + ": corrupt safetensors header: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new WeightsFormatException(path + ": corrupt safetensors header: not a JSON object");
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> f = it.next();
            JsonNode v = f.getValue();
            if (f.getKey().equals(METADATA)) {
                if (!v.isObject()) {
                    throw new WeightsFormatException(path + ": corrupt safetensors header: metadata is not an object");
                }
                v.fields().forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
                continue;
            }
            entries.add(parseEntry(path, f.getKey(), v));
        }
        return metadata;
    }

    private static Entry parseEntry(Path path, String name, JsonNode v) throws WeightsFormatException {
        String where = path + ": tensor '" + name + "': ";
        if (!v.isObject() || !v.path("dtype").isTextual() || !v.path("shape").isArray()
                || !v.path("data_offsets").isArray() || v.path("data_offsets").size() != 2) {
            throw new WeightsFormatException(where + "entry needs dtype, shape and two data_offsets");
        }
        DType dtype = DType.byName(v.get("dtype").asText());
        if (dtype == null) {
            throw new WeightsFormatException(where + "unsupported dtype " + v.get("dtype").asText());
        }
        long[] shape = new long[v.get("shape").size()];
        long numel = 1;
        long extent = 1; // the product of the sizes with zeros counted as ones: libtorch's strides, which must fit too
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = v.get("shape").get(i);
            if (!d.isIntegralNumber() || !d.canConvertToLong() || d.asLong() < 0) {
                throw new WeightsFormatException(where + "bad shape " + v.get("shape"));
            }
            shape[i] = d.asLong();
            try {
                numel = Math.multiplyExact(numel, shape[i]);
                extent = Math.multiplyExact(extent, Math.max(1, shape[i]));
                Math.multiplyExact(extent, (long) dtype.bytes());
            } catch (ArithmeticException e) {
                throw new WeightsFormatException(where + "shape " + v.get("shape") + " is too large");
            }
        }
        JsonNode b = v.get("data_offsets").get(0);
        JsonNode e = v.get("data_offsets").get(1);
        long begin = b.isIntegralNumber() && b.canConvertToLong() ? b.asLong() : -1;
        long end = e.isIntegralNumber() && e.canConvertToLong() ? e.asLong() : -1;
        if (begin < 0 || end < begin || end - begin != numel * dtype.bytes()) {
            throw new WeightsFormatException(where + "data_offsets " + v.get("data_offsets") + " do not hold "
                    + Arrays.toString(shape) + " of " + dtype);
        }
        return new Entry(name, dtype, shape, begin, end);
    }

    /** The byte ranges must tile the data section exactly, as the format requires. */
    private static void checkLayout(Path path, List<Entry> entries, long dataLength) throws WeightsFormatException {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long expected = 0;
        for (Entry e : sorted) {
            if (e.begin != expected) {
                throw new WeightsFormatException(path + ": tensor '" + e.name + "' starts at byte " + e.begin
                        + " of the data, expected " + expected + " (overlapping or gapped data)");
            }
            expected = e.end;
        }
        if (expected > dataLength) {
            throw new WeightsFormatException(path + ": file is truncated: its header describes " + expected
                    + " bytes of tensor data but only " + dataLength + " follow");
        }
        if (expected < dataLength) {
            throw new WeightsFormatException(path + ": " + (dataLength - expected)
                    + " bytes of trailing data after the last tensor");
        }
    }

    /** Writes {@code tensors} (in their map order) atomically; an existing file is replaced only on success. */
    public static void write(Path path, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        write(path, null, tensors, metadata);
    }

    /** As {@link #write(Path, Map, Map)}, keeping the file's previous content as {@code previous} (see AtomicFile). */
    public static void write(Path path, Path previous, Map<String, Tensor> tensors, Map<String, String> metadata)
            throws IOException {
        ObjectNode header = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = header.putObject(METADATA);
            metadata.forEach(meta::put);
        }
        List<ByteBuffer> data = new ArrayList<>();
        long offset = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            Tensor t = e.getValue();
            ByteBuffer bytes = Tensors.toBytes(t);
            ObjectNode entry = header.putObject(e.getKey());
            entry.put("dtype", DType.of(t.scalar_type()).name());
            ArrayNode shape = entry.putArray("shape");
            for (long d : Tensors.shape(t)) {
                shape.add(d);
            }
            entry.putArray("data_offsets").add(offset).add(offset + bytes.remaining());
            offset += bytes.remaining();
            data.add(bytes);
        }
        byte[] json = JSON.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        head.flip();
        AtomicFile.write(path, previous, ch -> {
            writeFully(ch, head);
            PausePoints.reach("header", path);
            for (ByteBuffer b : data) {
                writeFully(ch, b);
            }
        });
    }

    private static void readFully(FileChannel ch, ByteBuffer dst, long position) throws IOException {
        long pos = position;
        while (dst.hasRemaining()) {
            int n = ch.read(dst, pos);
            if (n < 0) {
                throw new EOFException("unexpected end of file at byte " + pos);
            }
            pos += n;
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer src) throws IOException {
        while (src.hasRemaining()) {
            ch.write(src);
        }
    }

    /** True when the file starts like a safetensors file (a plausible header length followed by '{'). */
    public static boolean looksLike(Path path) throws IOException {
        if (Files.size(path) < 9) {
            return false;
        }
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(9).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, b, 0);
            b.flip();
            long n = b.getLong();
            return n > 0 && n <= MAX_HEADER && b.get() == '{';
        }
    }
}
