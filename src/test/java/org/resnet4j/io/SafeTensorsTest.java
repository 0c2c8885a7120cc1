package org.resnet4j.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnet4j.engine.Engine;
import org.resnet4j.engine.Tensors;

class SafeTensorsTest {
    @TempDir
    Path dir;

    @Test
    void roundTripsEveryDtypeWithShapesValuesAndMetadata() throws IOException {
        Engine.start();
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("w", torch.randn(3, 4));
        in.put("half", torch.randn(5).to(ScalarType.Half));
        in.put("bf16", torch.randn(2, 2).to(ScalarType.BFloat16));
        in.put("count", Tensors.fromLongs(new long[] {42}, new long[0]));
        in.put("empty", Tensors.empty(ScalarType.Float, 0, 3));
        Path f = dir.resolve("t.safetensors");
        SafeTensors.write(f, in, Map.of("format", "pt", "note", "ü"));

        TensorFile out = SafeTensors.read(f);
        assertThat(out.metadata()).containsEntry("format", "pt").containsEntry("note", "ü");
        assertThat(out.tensors().keySet()).containsExactly("w", "half", "bf16", "count", "empty");
        for (String k : in.keySet()) {
            Tensor a = in.get(k);
            Tensor b = out.tensors().get(k);
            assertThat(b.scalar_type().value).as(k).isEqualTo(a.scalar_type().value);
            assertThat(Tensors.shape(b)).as(k).containsExactly(Tensors.shape(a));
            assertThat(Tensors.toBytes(b)).as(k).isEqualTo(Tensors.toBytes(a));
        }
        assertThat(out.tensors().get("count").item_long()).isEqualTo(42);
        // the header is padded to a multiple of 8 bytes, so the data that follows is aligned
        assertThat(header(f).length % 8).isZero();
    }

    @Test
    void fileMatchesTheFormatByteForByte() throws IOException {
        Engine.start();
        Path f = dir.resolve("one.safetensors");
        SafeTensors.write(f, Map.of("x", Tensors.fromFloats(new float[] {1f, -2f}, 2)), Map.of());
        byte[] bytes = Files.readAllBytes(f);
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long n = b.getLong();
        String json = new String(bytes, 8, (int) n, StandardCharsets.UTF_8).trim();
        assertThat(json).isEqualTo("{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}");
        b.position(8 + (int) n);
        assertThat(b.getFloat()).isEqualTo(1f);
        assertThat(b.getFloat()).isEqualTo(-2f);
        assertThat(b.hasRemaining()).isFalse();
    }

    @Test
    void refusesTruncatedCorruptAndInconsistentFilesNamingTheProblem() throws IOException {
        Engine.start();
        Path good = dir.resolve("good.safetensors");
        SafeTensors.write(good, Map.of("a", torch.randn(4, 4), "b", torch.randn(8)), Map.of());
        byte[] bytes = Files.readAllBytes(good);

        Path truncated = write("truncated", Arrays.copyOf(bytes, bytes.length - 10));
        assertThatThrownBy(() -> SafeTensors.read(truncated)).isInstanceOf(WeightsFormatException.class)
                .hasMessageContaining("truncated");
        Path tiny = write("tiny", new byte[] {1, 2, 3});
        assertThatThrownBy(() -> SafeTensors.read(tiny)).hasMessageContaining("not a safetensors file");
        Path hugeHeader = write("huge", ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 40).array());
        assertThatThrownBy(() -> SafeTensors.read(hugeHeader)).hasMessageContaining("header length");
        assertThatThrownBy(() -> SafeTensors.read(withHeader("not json"))).hasMessageContaining("corrupt");
        assertThatThrownBy(() -> SafeTensors.read(withHeader("{\"a\":{\"dtype\":\"F99\",\"shape\":[1],"
                + "\"data_offsets\":[0,4]}}"))).hasMessageContaining("unsupported dtype F99");
        assertThatThrownBy(() -> SafeTensors.read(withHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],"
                + "\"data_offsets\":[0,4]}}"))).hasMessageContaining("tensor 'a'").hasMessageContaining("data_offsets");
        assertThatThrownBy(() -> SafeTensors.read(withHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],"
                + "\"data_offsets\":[4,8]}}"))).hasMessageContaining("starts at byte 4");
        assertThatThrownBy(() -> SafeTensors.read(withHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],"
                + "\"data_offsets\":[0,4]},\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}")))
                .hasMessageContaining("corrupt");
    }

    @Test
    void aFailedWriteLeavesTheExistingFileUntouched() throws IOException {
        Engine.start();
        Path f = dir.resolve("keep.safetensors");
        SafeTensors.write(f, Map.of("a", torch.ones(3)), Map.of());
        byte[] before = Files.readAllBytes(f);
        Map<String, Tensor> bad = new LinkedHashMap<>();
        bad.put("a", torch.ones(3));
        bad.put("complex", torch.randn(2).to(ScalarType.ComplexFloat)); // no safetensors dtype: fails mid-way
        assertThatThrownBy(() -> SafeTensors.write(f, bad, Map.of())).hasMessageContaining("no safetensors dtype");
        assertThat(Files.readAllBytes(f)).isEqualTo(before);
        try (var files = Files.list(dir)) {
            assertThat(files).containsExactly(f);
        }
    }

    @Test
    void temporariesOfAKilledWriterAreCleanedUpByTheNextWrite() throws IOException {
        Engine.start();
        Path f = dir.resolve("w.safetensors");
        Path stale = Files.write(dir.resolve(".w.safetensors12345.tmp"), new byte[100]);
        SafeTensors.write(f, Map.of("a", torch.ones(2)), Map.of());
        assertThat(stale).doesNotExist();
        assertThat(f).exists();
    }

    private Path withHeader(String json) throws IOException {
        byte[] h = json.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + 4).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).putFloat(1f);
        return write("h" + Math.abs(json.hashCode()), b.array());
    }

    private Path write(String name, byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name + ".safetensors"), bytes);
    }

    private static byte[] header(Path f) throws IOException {
        byte[] bytes = Files.readAllBytes(f);
        long n = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
        return Arrays.copyOfRange(bytes, 8, 8 + (int) n);
    }
}
