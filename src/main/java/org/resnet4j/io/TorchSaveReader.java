package org.resnet4j.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

import net.razorvine.pickle.IObjectConstructor;
import net.razorvine.pickle.PickleException;
import net.razorvine.pickle.Unpickler;
import net.razorvine.pickle.objects.ClassDict;

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

    private TorchSaveReader() {
    }

    static boolean looksLike(Path path) {
        try (ZipFile zip = new ZipFile(path.toFile())) {
            return pickleEntry(zip) != null;
        } catch (IOException e) {
            return false;
        }
    }

    static Map<String, Tensor> read(Path path) throws IOException {
        try (ZipFile zip = new ZipFile(path.toFile())) {
            ZipEntry pkl = pickleEntry(zip);
            if (pkl == null) {
                throw new WeightsFormatException(path + ": a zip file without data.pkl is not a torch.save file");
            }
            String prefix = pkl.getName().substring(0, pkl.getName().length() - "data.pkl".length());
            Object root;
            try (InputStream in = zip.getInputStream(pkl)) {
                root = new StorageUnpickler().loads(in.readAllBytes());
            } catch (PickleException | ClassCastException e) {
                throw new WeightsFormatException(path + ": cannot read the pickled state dict: " + e.getMessage(), e);
            }
            Map<?, ?> dict = findStateDict(root);
            if (dict == null) {
                throw new WeightsFormatException(path + ": holds " + describe(root) + ", not a state dict; save"
                        + " model.state_dict() (or a dict with it under 'state_dict' or 'model')");
            }
            List<Map.Entry<?, ?>> entries = dict.entrySet().stream().filter(e -> e.getValue() instanceof TensorRef)
                    .sorted(Comparator.comparingLong(e -> storageOrder(((TensorRef) e.getValue()).storage)))
                    .collect(Collectors.toList());
            Map<String, Tensor> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : entries) {
                out.put(String.valueOf(e.getKey()), materialise(path, zip, prefix, (TensorRef) e.getValue()));
            }
            return stripDataParallelPrefix(out);
        } catch (ZipException e) {
            throw new WeightsFormatException(path + ": not a torch.save zip archive (" + e.getMessage() + ")", e);
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

    private static Tensor materialise(Path path, ZipFile zip, String prefix, TensorRef ref) throws IOException {
        StorageRef s = ref.storage;
        ZipEntry entry = zip.getEntry(prefix + "data/" + s.key);
        if (entry == null) {
            throw new WeightsFormatException(path + ": storage record data/" + s.key + " is missing");
        }
        byte[] bytes;
        try (InputStream in = zip.getInputStream(entry)) {
            bytes = in.readAllBytes();
        }
        long needed = ref.offset;
        for (int d = 0; d < ref.size.length; d++) {
            needed += (ref.size[d] - 1) * ref.stride[d];
        }
        if (bytes.length != s.numel * DType.of(s.dtype).bytes() || (needed >= s.numel
                && Arrays.stream(ref.size).allMatch(d -> d > 0))) {
            throw new WeightsFormatException(path + ": storage record data/" + s.key + " is truncated or does not hold"
                    + " the tensor it is used for (" + bytes.length + " bytes for " + s.numel + " " + s.dtype
                    + " values)");
        }
        Tensor storage = Tensors.fromBytes(ByteBuffer.wrap(bytes), s.dtype, s.numel);
        return storage.as_strided(ref.size, ref.stride, new LongOptional(ref.offset)).clone();
    }

    private static long[] longs(Object tuple) {
        Object[] items = (Object[]) tuple;
        long[] out = new long[items.length];
        for (int i = 0; i < items.length; i++) {
            out[i] = ((Number) items[i]).longValue();
        }
        return out;
    }

    /** Resolves persistent ids {@code ('storage', type, key, location, numel)} to storage references. */
    private static final class StorageUnpickler extends Unpickler {
        @Override
        protected Object persistentLoad(Object pid) {
            Object[] t = (Object[]) pid;
            if (t.length < 5 || !"storage".equals(t[0]) || !(t[1] instanceof StorageType type)) {
                throw new PickleException("unsupported persistent id " + Arrays.toString(t));
            }
            return new StorageRef(type.dtype(), String.valueOf(t[2]), ((Number) t[4]).longValue());
        }
    }
}
