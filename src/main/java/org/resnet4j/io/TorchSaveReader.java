package org.resnet4j.io;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

import net.razorvine.pickle.IObjectConstructor;
import net.razorvine.pickle.PickleException;
import net.razorvine.pickle.Unpickler;
import net.razorvine.pickle.objects.ClassDict;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.resnet4j.engine.Tensors;

/**
 * Reads state dicts written by PyTorch's {@code torch.save} (the zip format of PyTorch 1.6 and later).
 *
 * <p>libtorch's own {@code torch::pickle_load} cannot: its unpickler turns {@code collections.OrderedDict}, the
 * type of every {@code state_dict()}, into None and then fails an internal assertion (pytorch/pytorch#100741).
 * This reader unpickles {@code data.pkl} with a restricted unpickler that builds plain data and never runs code,
 * and maps each tensor onto its storage record in the archive.
 */
final class TorchSaveReader {
    private static final Map<String, ScalarType> STORAGES = Map.ofEntries(
            Map.entry("FloatStorage", ScalarType.Float), Map.entry("DoubleStorage", ScalarType.Double),
            Map.entry("HalfStorage", ScalarType.Half), Map.entry("BFloat16Storage", ScalarType.BFloat16),
            Map.entry("LongStorage", ScalarType.Long), Map.entry("IntStorage", ScalarType.Int),
            Map.entry("ShortStorage", ScalarType.Short), Map.entry("CharStorage", ScalarType.Char),
            Map.entry("ByteStorage", ScalarType.Byte), Map.entry("BoolStorage", ScalarType.Bool));

    /** The storage class {@code torch.save} names for tensors of {@code dtype}. */
    static String storageName(ScalarType dtype) {
        return STORAGES.entrySet().stream().filter(e -> e.getValue().value == dtype.value).map(Map.Entry::getKey)
                .findFirst().orElseThrow(() -> new IllegalArgumentException("no torch storage type for " + dtype));
    }

    /** A storage class named in a pickle, standing for its dtype. */
    private record StorageType(ScalarType dtype) implements IObjectConstructor {
        @Override
        public Object construct(Object[] args) {
            throw new PickleException("storage classes are never called in a state dict");
        }
    }

    /**
     * A state dict as unpickled. PyTorch attaches the modules' format versions as the attribute
     * {@code _metadata}; the pickle's BUILD step hands it to {@code __setstate__}, and the tensors need none of it.
     */
    public static final class OrderedDict extends LinkedHashMap<Object, Object> {
        private static final long serialVersionUID = 1L;

        public void __setstate__(HashMap<String, Object> state) {
            // nothing to keep
        }
    }

    private record StorageRef(ScalarType dtype, String key, long numel) {
    }

    private record TensorRef(StorageRef storage, long offset, long[] size, long[] stride) {
    }

    static {
        STORAGES.forEach((name, dtype) -> Unpickler.registerConstructor("torch", name, new StorageType(dtype)));
        Unpickler.registerConstructor("torch._utils", "_rebuild_tensor_v2", args -> new TensorRef((StorageRef) args[0],
                ((Number) args[1]).longValue(), longs(args[2]), longs(args[3])));
        Unpickler.registerConstructor("torch._utils", "_rebuild_parameter", args -> args[0]);
        Unpickler.registerConstructor("collections", "OrderedDict", args -> new OrderedDict());
    }

    private static final byte[] ZIP_MAGIC = {'P', 'K', 3, 4};

    private TorchSaveReader() {
    }

    /** True when the file starts like a zip archive, which torch.save writes (whole or not). */
    static boolean looksLike(Path path) throws IOException {
        try (InputStream in = Files.newInputStream(path)) {
            return Arrays.equals(in.readNBytes(4), ZIP_MAGIC);
        }
    }

    static Map<String, Tensor> read(Path path) throws IOException {
        long fileSize = Files.size(path);
        ZipFile zip;
        try {
            zip = new ZipFile(path.toFile());
        } catch (ZipException e) {
            throw new WeightsFormatException(path + ": " + (looksLike(path) && String.valueOf(e.getMessage())
                    .contains("END header") ? "truncated: the torch.save archive ends before its directory"
                    : "not a readable torch.save zip archive") + " (" + e.getMessage() + ")", e);
        }
        try (zip) {
            ZipEntry pkl = pickleEntry(zip);
            if (pkl == null) {
                throw new WeightsFormatException(path + ": a zip file without data.pkl is not a torch.save file");
            }
            String prefix = pkl.getName().substring(0, pkl.getName().length() - "data.pkl".length());
            byte[] pickle = readEntry(path, zip, pkl, fileSize);
            Object root;
            try {
                root = new StorageUnpickler().loads(pickle);
            } catch (PickleException | ClassCastException | IndexOutOfBoundsException e) {
                throw new WeightsFormatException(path + ": " + (e instanceof Refused ? e.getMessage()
                        : "cannot read the pickled state dict: " + e.getMessage()), e);
            }
            Map<?, ?> dict = findStateDict(root);
            if (dict == null) {
                throw new WeightsFormatException(path + ": holds " + describe(root) + ", not a state dict; save"
                        + " model.state_dict() (or a dict with it under 'state_dict' or 'model')");
            }
            List<Map.Entry<?, ?>> entries = dict.entrySet().stream().filter(e -> e.getValue() instanceof TensorRef)
                    .sorted(Comparator.comparingLong(e -> storageOrder(((TensorRef) e.getValue()).storage)))
                    .collect(Collectors.toList());
            Storages storages = new Storages(path, zip, prefix, fileSize);
            for (Map.Entry<?, ?> e : entries) {
                storages.check(String.valueOf(e.getKey()), (TensorRef) e.getValue());
            }
            Map<String, Tensor> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : entries) {
                out.put(String.valueOf(e.getKey()), storages.materialise((TensorRef) e.getValue()));
            }
            return stripDataParallelPrefix(out);
        } catch (ZipException e) {
            throw new WeightsFormatException(path + ": damaged torch.save zip archive (" + e.getMessage() + ")", e);
        }
    }

    /**
     * How many bytes an entry can plausibly hold: a stored entry no more than the file, a deflated one no more than
     * deflate's greatest ratio (1032:1) of its compressed size. torch.save stores without compressing.
     */
    private static long plausibleSize(ZipEntry e, long fileSize) {
        long compressed = e.getCompressedSize();
        if (e.getMethod() == ZipEntry.STORED || compressed < 0) {
            return fileSize;
        }
        return Math.min(compressed, fileSize) * 1032;
    }

    /** An entry's bytes, after checking that the size the archive declares is plausible; reads no more than that. */
    private static byte[] readEntry(Path path, ZipFile zip, ZipEntry e, long fileSize) throws IOException {
        long size = e.getSize();
        if (size < 0 || size > plausibleSize(e, fileSize) || size > Integer.MAX_VALUE - 8) {
            throw new WeightsFormatException(path + ": " + e.getName() + " declares " + size + " bytes, more than a "
                    + fileSize + "-byte file can hold");
        }
        byte[] bytes;
        try (InputStream in = zip.getInputStream(e)) {
            bytes = in.readNBytes((int) size);
            if (in.read() >= 0) {
                throw new WeightsFormatException(path + ": " + e.getName() + " holds more than the " + size
                        + " bytes its directory entry declares");
            }
        } catch (EOFException | ZipException x) {
            throw truncated(path, e, x);
        }
        if (bytes.length != size) {
            throw truncated(path, e, null);
        }
        checkCrc(path, e, bytes, bytes.length);
        return bytes;
    }

    private static WeightsFormatException truncated(Path path, ZipEntry e, Exception cause) {
        return new WeightsFormatException(path + ": truncated: " + e.getName() + " ends before its "
                + e.getSize() + " bytes" + (cause == null ? "" : " (" + cause.getMessage() + ")"), cause);
    }

    /** The zip format's own CRC-32 of each entry (0 where the writer chose not to compute one). */
    private static void checkCrc(Path path, ZipEntry e, byte[] bytes, int length) throws WeightsFormatException {
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, length);
        if (e.getCrc() > 0 && crc.getValue() != e.getCrc()) {
            throw new WeightsFormatException(path + ": damaged: " + e.getName() + " does not match its CRC-32 (the"
                    + " file changed after it was written)");
        }
    }

    /**
     * The storage records of one archive: every tensor's view is checked against its storage, and every storage
     * against the file, before anything is allocated; each storage is then read once, into native memory.
     */
    private static final class Storages {
        private final Path path;
        private final ZipFile zip;
        private final String prefix;
        private final long fileSize;
        private final Map<String, Tensor> read = new HashMap<>();
        private final Map<String, Long> storageBytes = new HashMap<>();
        private long viewBytes;

        Storages(Path path, ZipFile zip, String prefix, long fileSize) {
            this.path = path;
            this.zip = zip;
            this.prefix = prefix;
            this.fileSize = fileSize;
        }

        private ZipEntry entry(StorageRef s) throws WeightsFormatException {
            ZipEntry entry = zip.getEntry(prefix + "data/" + s.key);
            if (entry == null) {
                throw new WeightsFormatException(path + ": storage record data/" + s.key + " is missing");
            }
            return entry;
        }

        /** Refuses a view that reaches outside its storage, repeats its elements, or a storage the file cannot hold. */
        void check(String name, TensorRef ref) throws WeightsFormatException {
            StorageRef s = ref.storage;
            String where = path + ": tensor '" + name + "': ";
            int elem = DType.of(s.dtype).bytes();
            ZipEntry entry = entry(s);
            long bytes;
            try {
                bytes = Math.multiplyExact(s.numel, (long) elem);
            } catch (ArithmeticException e) {
                bytes = -1;
            }
            if (s.numel < 0 || bytes < 0 || bytes > plausibleSize(entry, fileSize)) {
                throw new WeightsFormatException(where + "its storage of " + s.numel + " " + s.dtype + " values is"
                        + " more than a " + fileSize + "-byte file can hold");
            }
            if (entry.getSize() != bytes) {
                throw new WeightsFormatException(where + "storage record data/" + s.key + " is "
                        + (entry.getSize() < bytes ? "truncated" : "too long") + ": it holds " + entry.getSize()
                        + " bytes, not the " + bytes + " of " + s.numel + " " + s.dtype + " values");
            }
            if (ref.size.length != ref.stride.length || ref.offset < 0) {
                throw new WeightsFormatException(where + "bad view (size " + Arrays.toString(ref.size) + ", stride "
                        + Arrays.toString(ref.stride) + ", offset " + ref.offset + ")");
            }
            long numel = 1;
            long last = ref.offset;
            try {
                for (int d = 0; d < ref.size.length; d++) {
                    if (ref.size[d] < 0 || ref.stride[d] < 0) {
                        throw new WeightsFormatException(where + "negative size or stride (size "
                                + Arrays.toString(ref.size) + ", stride " + Arrays.toString(ref.stride) + ")");
                    }
                    numel = Math.multiplyExact(numel, ref.size[d]);
                    if (ref.size[d] > 0) {
                        last = Math.addExact(last, Math.multiplyExact(ref.size[d] - 1, ref.stride[d]));
                    }
                }
            } catch (ArithmeticException e) {
                throw new WeightsFormatException(where + "size " + Arrays.toString(ref.size) + " with stride "
                        + Arrays.toString(ref.stride) + " overflows");
            }
            if (numel > 0 && (last >= s.numel || numel > s.numel)) {
                throw new WeightsFormatException(where + "a view of " + numel + " values (size "
                        + Arrays.toString(ref.size) + ", stride " + Arrays.toString(ref.stride) + ", offset "
                        + ref.offset + ") " + (last >= s.numel ? "reaches beyond" : "repeats the values of")
                        + " its storage of " + s.numel);
            }
            storageBytes.put(s.key, bytes);
            viewBytes += numel * elem;
            long total = storageBytes.values().stream().mapToLong(Long::longValue).sum();
            if (viewBytes > 2 * total) { // a storage shared by two names (tied weights) is the most a state dict has
                throw new WeightsFormatException(where + "the tensors view their storages more than twice over ("
                        + viewBytes + " bytes from " + total + ")");
            }
        }

        Tensor materialise(TensorRef ref) throws IOException {
            StorageRef s = ref.storage;
            Tensor storage = read.get(s.key + "/" + s.dtype);
            if (storage == null) {
                storage = readStorage(s);
                read.put(s.key + "/" + s.dtype, storage);
            }
            return storage.as_strided(ref.size, ref.stride, new LongOptional(ref.offset)).clone();
        }

        /** Reads a storage record straight into a tensor, never more than its checked size. */
        private Tensor readStorage(StorageRef s) throws IOException {
            ZipEntry entry = entry(s);
            long n = entry.getSize();
            Tensor t = Tensors.empty(s.dtype, s.numel);
            BytePointer dst = new BytePointer(t.data_ptr());
            byte[] buf = new byte[(int) Math.min(n + 1, 1 << 16)];
            CRC32 crc = new CRC32();
            try (InputStream in = zip.getInputStream(entry)) {
                long done = 0;
                while (done < n) {
                    int k = in.read(buf, 0, (int) Math.min(buf.length, n - done));
                    if (k < 0) {
                        throw truncated(path, entry, null);
                    }
                    crc.update(buf, 0, k);
                    dst.position(done).put(buf, 0, k);
                    done += k;
                }
                if (in.read() >= 0) {
                    throw new WeightsFormatException(path + ": " + entry.getName() + " holds more than the " + n
                            + " bytes its directory entry declares");
                }
            } catch (EOFException | ZipException x) {
                throw truncated(path, entry, x);
            }
            if (entry.getCrc() > 0 && crc.getValue() != entry.getCrc()) {
                throw new WeightsFormatException(path + ": damaged: " + entry.getName() + " does not match its CRC-32"
                        + " (the file changed after it was written)");
            }
            return t;
        }
    }

    private static ZipEntry pickleEntry(ZipFile zip) {
        for (Enumeration<? extends ZipEntry> en = zip.entries(); en.hasMoreElements();) {
            ZipEntry e = en.nextElement();
            if (e.getName().endsWith("data.pkl") && e.getName().indexOf('/') == e.getName().lastIndexOf('/')) {
                return e;
            }
        }
        return null;
    }

    /** The state dict itself, or the one a training checkpoint keeps under a conventional key. */
    private static Map<?, ?> findStateDict(Object root) {
        if (!(root instanceof Map<?, ?> map)) {
            return null;
        }
        if (map.values().stream().anyMatch(v -> v instanceof TensorRef)) {
            return map;
        }
        for (String key : List.of("state_dict", "model_state_dict", "model", "net")) {
            if (map.get(key) instanceof Map<?, ?> inner && inner.values().stream().anyMatch(v -> v instanceof TensorRef)) {
                return inner;
            }
        }
        return null;
    }

    private static String describe(Object root) {
        if (root instanceof ClassDict cd) {
            return "a pickled Python object of class " + cd.getClassName();
        }
        return root == null ? "None" : "a " + root.getClass().getSimpleName();
    }

    /**
     * The unpickler fills dicts through a HashMap and loses the state dict's order; torch.save numbers storages in
     * the order it meets them, which is that order, so sorting by the number restores it.
     */
    private static long storageOrder(StorageRef s) {
        try {
            return Long.parseLong(s.key);
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE;
        }
    }

    /** nn.DataParallel saves every key as {@code module.<name>}; PyTorch users strip it, so do we. */
    private static Map<String, Tensor> stripDataParallelPrefix(Map<String, Tensor> in) {
        if (in.isEmpty() || !in.keySet().stream().allMatch(k -> k.startsWith("module."))) {
            return in;
        }
        Map<String, Tensor> out = new LinkedHashMap<>();
        in.forEach((k, v) -> out.put(k.substring("module.".length()), v));
        return out;
    }

    private static long[] longs(Object tuple) {
        Object[] items = (Object[]) tuple;
        long[] out = new long[items.length];
        for (int i = 0; i < items.length; i++) {
            out[i] = ((Number) items[i]).longValue();
        }
        return out;
    }

    /** A pickle that would call something other than a tensor's or a container's constructor. */
    private static final class Refused extends PickleException {
        private static final long serialVersionUID = 1L;

        Refused(String callable) {
            super("refused: the pickle calls " + callable + ", which is not a tensor or a container (save"
                    + " model.state_dict() alone)");
        }
    }

    /** The callables a state dict's pickle calls with arguments. */
    private static final Set<String> CALLABLE = Set.of("torch._utils._rebuild_tensor_v2",
            "torch._utils._rebuild_parameter", "collections.OrderedDict", "builtins.set", "builtins.frozenset",
            "__builtin__.set", "__builtin__.frozenset");

    /**
     * Resolves persistent ids {@code ('storage', type, key, location, numel)} to storage references, refuses calls to
     * anything but {@link #CALLABLE} (a class without a constructor here may still be created without arguments:
     * it becomes a plain ClassDict), and checks every length the pickle declares against the bytes that remain
     * before the unpickler allocates it.
     */
    private static final class StorageUnpickler extends Unpickler {
        private final Map<Object, String> names = new IdentityHashMap<>();

        @Override
        protected Object persistentLoad(Object pid) {
            Object[] t = (Object[]) pid;
            if (t.length < 5 || !"storage".equals(t[0]) || !(t[1] instanceof StorageType type)) {
                throw new PickleException("unsupported persistent id " + Arrays.toString(t));
            }
            return new StorageRef(type.dtype(), String.valueOf(t[2]), ((Number) t[4]).longValue());
        }

        @Override
        protected Object dispatch(short key) throws PickleException, IOException {
            switch (key) {
                case 'T', 'B', 'X', 0x8b -> checkLength(4);
                case 0x8d, 0x8e, 0x96 -> checkLength(8);
                case 'R', 0x81 -> checkCall(0);
                case 0x92 -> checkCall(1);
                case 'o', 'i' -> throw new Refused("an object constructor (protocol 0 INST/OBJ)");
                case 'c' -> {
                    String name = peekGlobal();
                    Object r = super.dispatch(key);
                    names.put(stack.peek(), name);
                    return r;
                }
                case 0x93 -> {
                    Object n = stack.pop();
                    Object module = stack.peek();
                    stack.add(n);
                    Object r = super.dispatch(key);
                    names.put(stack.peek(), module + "." + n);
                    return r;
                }
                default -> {
                }
            }
            return super.dispatch(key);
        }

        /** The callable under the arguments (and {@code above} more items) on the stack may be called with them. */
        private void checkCall(int above) {
            List<Object> top = new ArrayList<>();
            for (int i = 0; i <= above; i++) {
                top.add(0, stack.pop());
            }
            Object callable = stack.peek();
            top.forEach(stack::add);
            Object args = top.get(0);
            boolean withArgs = !(args instanceof Object[] a) || a.length > 0;
            String name = names.get(callable);
            if (withArgs && !CALLABLE.contains(name)) {
                throw new Refused(name != null ? name : "a " + callable.getClass().getSimpleName());
            }
        }

        private void checkLength(int bytes) throws IOException {
            input.mark(bytes);
            byte[] b = input.readNBytes(bytes);
            input.reset();
            long n = 0;
            for (int i = bytes - 1; i >= 0; i--) {
                n = (n << 8) | (b[i] & 0xff);
            }
            long remaining = input.available() - (long) bytes;
            if (b.length < bytes || n < 0 || n > remaining) {
                throw new PickleException("truncated or corrupt: an item of " + Long.toUnsignedString(n) + " bytes"
                        + " where " + Math.max(0, remaining) + " remain");
            }
        }

        /** The {@code module.name} a GLOBAL opcode names, read ahead without consuming it. */
        private String peekGlobal() throws IOException {
            int limit = input.available();
            input.mark(limit);
            StringBuilder b = new StringBuilder();
            int lines = 0;
            for (int c; lines < 2 && (c = input.read()) >= 0;) {
                if (c == '\n') {
                    lines++;
                    b.append('.');
                } else {
                    b.append((char) c);
                }
            }
            input.reset();
            return b.length() > 0 ? b.substring(0, b.length() - 1) : "";
        }
    }
}
