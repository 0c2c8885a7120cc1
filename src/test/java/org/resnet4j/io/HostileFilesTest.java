package org.resnet4j.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.resnet4j.testing.Zips.stored;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnet4j.data.ImageDecoder;
import org.resnet4j.data.Normalization;
import org.resnet4j.data.Preprocessing;
import org.resnet4j.engine.Tensors;
import org.resnet4j.model.ModelOptions;
import org.resnet4j.testing.Cli;
import org.resnet4j.testing.Fixtures;

/**
 * Files made to hurt: every size, offset and stride is checked against the file before anything is allocated or
 * inflated, and each refusal is one line naming the file. (Peak memory was checked by hand; see the README.)
 */
class HostileFilesTest {
    @TempDir
    Path dir;

    /** A pickle written opcode by opcode (protocol 2, as torch.save writes). */
    static final class Pickle {
        private final ByteArrayOutputStream b = new ByteArrayOutputStream();

        Pickle() {
            op(0x80).op(2);
        }

        Pickle op(int code) {
            b.write(code);
            return this;
        }

        Pickle raw(byte[] bytes) {
            b.write(bytes, 0, bytes.length);
            return this;
        }

        Pickle global(String module, String name) {
            return op('c').raw((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
        }

        Pickle str(String s) {
            byte[] u = s.getBytes(StandardCharsets.UTF_8);
            return op('X').raw(le(u.length, 4)).raw(u);
        }

        Pickle num(long v) {
            return v == (int) v ? op('J').raw(le(v, 4)) : op(0x8a).op(8).raw(le(v, 8));
        }

        Pickle tuple(long... values) {
            op('(');
            for (long v : values) {
                num(v);
            }
            return op('t');
        }

        /** {@code _rebuild_tensor_v2(storage '0' of numel floats, offset, size, stride, False, OrderedDict())}. */
        Pickle tensor(long numel, long offset, long[] size, long[] stride) {
            global("torch._utils", "_rebuild_tensor_v2").op('(');
            op('(').str("storage").global("torch", "FloatStorage").str("0").str("cpu").num(numel).op('t').op('Q');
            num(offset).tuple(size).tuple(stride).op(0x89);
            return global("collections", "OrderedDict").op(')').op('R').op('t').op('R');
        }

        byte[] bytes() {
            return b.toByteArray();
        }

        static byte[] le(long v, int n) {
            byte[] out = new byte[n];
            for (int i = 0; i < n; i++) {
                out[i] = (byte) (v >>> (8 * i));
            }
            return out;
        }
    }

    /** A state dict {"w": tensor} pickle. */
    private static byte[] stateDict(long numel, long offset, long[] size, long[] stride) {
        return new Pickle().op('}').str("w").tensor(numel, offset, size, stride).op('s').op('.').bytes();
    }

    /** A torch.save archive holding {@code pickle} and one storage record "0"; entries stored as torch.save does. */
    private Path pt(String name, byte[] pickle, byte[] storage) throws IOException {
        Path p = dir.resolve(name);
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(p))) {
            stored(zip, "archive/data.pkl", pickle);
            stored(zip, "archive/data/0", storage);
        }
        return p;
    }

    private static byte[] floats(int n) {
        ByteBuffer b = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            b.putFloat(i);
        }
        return b.array();
    }

    @Test
    void aWellFormedArchiveOfTheSameMakeReads() throws IOException {
        Path ok = pt("ok.pt", stateDict(6, 0, new long[] {3, 2}, new long[] {1, 3}), floats(6));
        Tensor w = Weights.read(ok).tensors().get("w");
        assertThat(Tensors.shape(w)).containsExactly(3, 2);
        assertThat(Tensors.toFloats(w)).containsExactly(0, 3, 1, 4, 2, 5);
    }

    @Test
    void a656ByteFileCannotAskForGigabytes() throws IOException {
        // one float viewed 450 million times over with a zero stride: 1.8 GB once materialised
        Path zero = pt("zero-stride.pt", stateDict(1, 0, new long[] {450_000_000}, new long[] {0}), floats(1));
        assertThat(Files.size(zero)).isLessThan(700);
        assertThatThrownBy(() -> Weights.read(zero)).isInstanceOf(WeightsFormatException.class).hasMessage(zero
                + ": tensor 'w': a view of 450000000 values (size [450000000], stride [0], offset 0) repeats the"
                + " values of its storage of 1");
        Path beyond = pt("beyond.pt", stateDict(4, 2, new long[] {2, 2}, new long[] {2, 1}), floats(4));
        assertThatThrownBy(() -> Weights.read(beyond)).hasMessageContaining("reaches beyond its storage of 4");
        Path negative = pt("negative.pt", stateDict(4, 3, new long[] {4}, new long[] {-1}), floats(4));
        assertThatThrownBy(() -> Weights.read(negative)).hasMessageContaining("negative size or stride");
        Path overflow = pt("overflow.pt", stateDict(4, 0, new long[] {1L << 40, 1L << 40}, new long[] {1, 1}),
                floats(4));
        assertThatThrownBy(() -> Weights.read(overflow)).hasMessageContaining("overflows");
        Path huge = pt("huge.pt", stateDict(1L << 40, 0, new long[] {4}, new long[] {1}), floats(4));
        assertThatThrownBy(() -> Weights.read(huge)).hasMessageContaining("its storage of 1099511627776 Float values is"
                + " more than a " + Files.size(huge) + "-byte file can hold");
        Path short4 = pt("short.pt", stateDict(6, 0, new long[] {6}, new long[] {1}), floats(4));
        assertThatThrownBy(() -> Weights.read(short4)).hasMessageContaining("storage record data/0 is truncated: it"
                + " holds 16 bytes, not the 24 of 6 Float values");
    }

    @Test
    void lengthsInsideThePickleAreCheckedBeforeTheyAreAllocated() throws IOException {
        // BINBYTES of 2 GiB - 1 in a file of a few hundred bytes: the unpickler would allocate it first
        byte[] pickle = new Pickle().op('B').raw(Pickle.le(Integer.MAX_VALUE, 4)).op('.').bytes();
        Path p = pt("binbytes.pt", pickle, floats(1));
        assertThatThrownBy(() -> Weights.read(p)).hasMessage(p + ": cannot read the pickled state dict: truncated or"
                + " corrupt: an item of 2147483647 bytes where 1 remain");
    }

    @Test
    void aPickleThatCallsAnythingElseIsRefusedByName() throws IOException {
        byte[] scalar = new Pickle().op('}').str("best_acc").global("numpy.core.multiarray", "scalar")
                .op('(').str("f8").op('t').op('R').op('s').op('.').bytes();
        Path p = pt("numpy.pt", scalar, floats(1));
        assertThatThrownBy(() -> Weights.read(p)).hasMessage(p + ": refused: the pickle calls"
                + " numpy.core.multiarray.scalar, which is not a tensor or a container (save model.state_dict()"
                + " alone)");
        byte[] system = new Pickle().global("os", "system").op('(').str("true").op('t').op('R').op('.').bytes();
        Path q = pt("os.pt", system, floats(1));
        assertThatThrownBy(() -> Weights.read(q)).hasMessageContaining("refused: the pickle calls os.system");
        // a training checkpoint's argparse.Namespace is built without arguments: plain data, still read
        byte[] withArgs = new Pickle().op('}').str("args").global("argparse", "Namespace").op(')').op(0x81)
                .op('}').str("lr").num(1).op('s').op('b').op('s')
                .str("state_dict").op('}').str("w").tensor(6, 0, new long[] {6}, new long[] {1}).op('s').op('s')
                .op('.').bytes();
        assertThat(Weights.read(pt("checkpoint.pt", withArgs, floats(6))).tensors()).containsOnlyKeys("w");
    }

    @Test
    void deflateBombsAreRefusedBeforeTheyInflate() throws IOException {
        Path bomb = dir.resolve("bomb.pt");
        byte[] zeros = new byte[64 << 20];
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(bomb))) {
            stored(zip, "archive/data.pkl", stateDict(6, 0, new long[] {6}, new long[] {1}));
            zip.putNextEntry(new ZipEntry("archive/data/0")); // deflated
            zip.write(zeros);
            zip.closeEntry();
        }
        assertThat(Files.size(bomb)).isLessThan(200_000);
        declareSize(bomb, "archive/data/0", 24); // its directory claims the 24 bytes the pickle needs
        assertThatThrownBy(() -> Weights.read(bomb)).hasMessage(bomb + ": archive/data/0 holds more than the 24 bytes"
                + " its directory entry declares");
        // one that tells the truth about a size no deflate stream of its length can reach
        Path honest = dir.resolve("honest.pt");
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(honest))) {
            stored(zip, "archive/data.pkl", stateDict(1L << 30, 0, new long[] {4}, new long[] {1}));
            zip.putNextEntry(new ZipEntry("archive/data/0"));
            zip.write(zeros);
            zip.closeEntry();
        }
        declareSize(honest, "archive/data/0", 1L << 32);
        assertThatThrownBy(() -> Weights.read(honest)).hasMessageContaining("its storage of 1073741824 Float values is"
                + " more than a " + Files.size(honest) + "-byte file can hold");
    }

    /** Rewrites the uncompressed size an entry's central directory record declares. */
    private static void declareSize(Path zip, String name, long size) throws IOException {
        byte[] b = Files.readAllBytes(zip);
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        for (int i = b.length - 46; i >= 0; i--) {
            if (b[i] == 'P' && b[i + 1] == 'K' && b[i + 2] == 1 && b[i + 3] == 2
                    && Arrays.equals(Arrays.copyOfRange(b, i + 46, i + 46 + n.length), n)) {
                System.arraycopy(Pickle.le(Math.min(size, 0xffffffffL), 4), 0, b, i + 24, 4);
                Files.write(zip, b);
                return;
            }
        }
        throw new IllegalStateException("no central directory record for " + name);
    }

    @Test
    void aTruncatedArchiveIsSaidToBeTruncated() throws IOException {
        byte[] whole = Files.readAllBytes(Fixtures.path("resnet20_trained.pt"));
        Path cut = Files.write(dir.resolve("cut.pt"), Arrays.copyOf(whole, whole.length / 2));
        assertThatThrownBy(() -> Weights.read(cut)).hasMessageStartingWith(cut + ": truncated: the torch.save archive"
                + " ends before its directory");
        Cli.Result r = Cli.run("eval", "--weights", cut.toString(), "--model", "resnet20", "--threads", "1");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.errorLines()).singleElement().asString().startsWith("resnet4j eval: error: " + cut
                + ": truncated");
    }

    @Test
    void safetensorsShapesAndOffsetsMustBeWholeAndFit() throws IOException {
        Path zeros = safetensors("zeros", "{\"w\":{\"dtype\":\"F32\",\"shape\":[0,4611686018427387904,"
                + "4611686018427387904],\"data_offsets\":[0,0]}}", 0);
        assertThatThrownBy(() -> SafeTensors.read(zeros)).hasMessageContaining("tensor 'w': shape [0,"
                + "4611686018427387904,4611686018427387904] is too large");
        Path fraction = safetensors("fraction", "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8.5]}}",
                8);
        assertThatThrownBy(() -> SafeTensors.read(fraction)).hasMessageContaining("data_offsets [0,8.5] do not hold");
        Path beyond = safetensors("beyond", "{\"w\":{\"dtype\":\"F32\",\"shape\":[1000000000],\"data_offsets\":[0,"
                + "4000000000]}}", 8);
        assertThatThrownBy(() -> SafeTensors.read(beyond)).hasMessageContaining("file is truncated: its header"
                + " describes 4000000000 bytes of tensor data but only 8 follow");
    }

    private Path safetensors(String name, String header, int dataBytes) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        return Files.write(dir.resolve(name + ".safetensors"), b.array());
    }

    @Test
    void modelDescriptionsOutsideSaneBoundsAreRefusedBeforeAModelIsBuilt() throws IOException {
        String fine = new ModelInfo(ModelOptions.of("resnet20").withClasses(4), List.of(), null).toJson();
        assertThat(fine).contains("\"classes\":4");
        Path classes = describedAs("classes", fine.replace("\"classes\":4", "\"classes\":2147483647"));
        assertThatThrownBy(() -> ModelLoader.load(classes, null)).hasMessage(classes + ": invalid model description"
                + " (number of classes must be in 1..1048576, got 2147483647)");
        Cli.Result r = Cli.run("eval", "--weights", classes.toString(), "--dataset", "synthetic", "--threads", "1");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.errorLines()).singleElement().asString().contains("number of classes must be in 1..1048576");

        Preprocessing vast = new Preprocessing("folder", 3, 100_000, 100_000, ImageDecoder.Fit.CROP,
                new Normalization(new float[] {0.5f, 0.5f, 0.5f}, new float[] {0.25f, 0.25f, 0.25f}));
        Path input = describedAs("input", new ModelInfo(ModelOptions.of("resnet20").withClasses(4), List.of(), vast)
                .toJson());
        assertThatThrownBy(() -> ModelLoader.load(input, null)).hasMessage(input + ": invalid model description"
                + " (input shape [3, 100000, 100000] is not 1..1024 channels of 1..8192 pixels a side)");

        // a state dict without a description: the classifier's shape says how many classes
        Path shapes = dir.resolve("shapes.safetensors");
        Map<String, Tensor> t = new LinkedHashMap<>();
        t.put("fc.weight", Tensors.empty(ScalarType.Float, Integer.MAX_VALUE, 0));
        SafeTensors.write(shapes, t, Map.of());
        assertThatThrownBy(() -> ModelLoader.load(shapes, "resnet20")).hasMessage(shapes + ": number of classes must"
                + " be in 1..1048576, got 2147483647, as its weights' shapes say");
    }

    @Test
    void anEvaluationTransformThatCannotMakeTheInputIsRefusedInOneLine() throws IOException {
        Preprocessing p = new Preprocessing("folder", 3, 24, 24, ImageDecoder.Fit.CROP,
                new Normalization(new float[] {0.5f, 0.5f, 0.5f}, new float[] {0.25f, 0.25f, 0.25f}));
        String fine = new ModelInfo(ModelOptions.of("resnet20").withClasses(4), List.of(), p).toJson();
        String tail = "\"std\":[0.25,0.25,0.25]";
        assertThat(fine).contains(tail);
        Map<String, String> refused = new LinkedHashMap<>();
        refused.put(",\"eval_resize\":20,\"interpolation\":\"bilinear\"", "invalid model description (eval_resize 20"
                + " then a centre crop cannot make the input shape [3, 24, 24] (a square RGB or grey input, resized to"
                + " 24..8192))");
        refused.put(",\"eval_resize\":2147483647,\"interpolation\":\"bilinear\"", "invalid model description"
                + " (eval_resize 2147483647 then a centre crop cannot make the input shape [3, 24, 24]");
        refused.put(",\"eval_resize\":28", "invalid model description (the input's evaluation transform needs both"
                + " eval_resize and interpolation)");
        refused.put(",\"eval_resize\":28,\"interpolation\":\"lanczos\"", "unreadable model description");
        refused.put(",\"eval_resize\":\"big\",\"interpolation\":\"bilinear\"", "unreadable model description");
        int i = 0;
        for (Map.Entry<String, String> e : refused.entrySet()) {
            Path f = describedAs("eval" + i++, fine.replace(tail, tail + e.getKey()));
            assertThatThrownBy(() -> ModelLoader.load(f, null)).isInstanceOf(WeightsFormatException.class)
                    .hasMessageStartingWith(f + ": " + e.getValue());
            Cli.Result r = Cli.run("eval", "--weights", f.toString(), "--dataset", "synthetic", "--threads", "1");
            assertThat(r.exit()).as(r.err()).isNotZero();
            assertThat(r.errorLines()).singleElement().asString().contains(e.getValue());
        }
    }

    private Path describedAs(String name, String modelInfo) throws IOException {
        Path p = dir.resolve(name + ".safetensors");
        SafeTensors.write(p, Map.of("fc.bias", Tensors.fromFloats(new float[4], 4)), Map.of(ModelInfo.KEY, modelInfo));
        return p;
    }
}
