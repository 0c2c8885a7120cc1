package org.resnet4j.train;

import java.util.List;
import java.util.Map;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InputArchive;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.StringVector;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Finds NaN and infinite values in model state and optimiser state: one reduction per tensor and one
 * synchronisation for all of them; the tensor's name is looked for only when something was found.
 */
public final class NonFinite {
    /** How many values of small tensors are copied into one to be checked at once. */
    private static final long JOIN_LIMIT = 1 << 16;

    private NonFinite() {
    }

    /**
     * Whether every floating-point tensor of {@code tensors} is finite throughout. Each tensor is summed in double
     * precision, where a float32 (or narrower) tensor's finite values cannot overflow, so the sum is finite exactly when
     * every value is; the sums are added up and read once. Small tensors (BatchNorm's statistics, checked every step)
     * are first joined into one, since each operation has a fixed cost larger than their work.
     */
    public static boolean allFinite(List<Tensor> tensors) {
        try (PointerScope scope = new PointerScope()) {
            ScalarTypeOptional inDouble = new ScalarTypeOptional(ScalarType.Double);
            TensorVector small = new TensorVector();
            TensorVector sums = new TensorVector();
            long joined = 0;
            for (Tensor t : tensors) {
                if (!t.defined() || !t.is_floating_point()) {
                    continue;
                }
                if (joined + t.numel() <= JOIN_LIMIT) {
                    small.push_back(t.dim() == 1 ? t : t.reshape(-1));
                    joined += t.numel();
                } else {
                    sums.push_back(t.sum(inDouble));
                }
            }
            if (!small.empty()) {
                sums.push_back(torch.cat(small).sum(inDouble));
            }
            return sums.empty() || Double.isFinite(torch.stack(sums).sum().item_double());
        }
    }

    /** The name of the first tensor of {@code tensors} holding a NaN or infinity, or null when all are finite. */
    public static String firstIn(Map<String, Tensor> tensors) {
        if (allFinite(List.copyOf(tensors.values()))) {
            return null;
        }
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            if (!allFinite(List.of(e.getValue()))) {
                return e.getKey();
            }
        }
        return null;
    }

    /**
     * What in an optimiser's state (libtorch's archive, as {@link Optimizers#state} writes it) holds a NaN or an
     * infinity, e.g. {@code "exp_avg_sq"}, or null when everything is finite. The state of each parameter lies under
     * {@code state/<id>/<buffer>}.
     */
    public static String inOptimizerState(byte[] archive) {
        try (PointerScope scope = new PointerScope()) {
            InputArchive a = new InputArchive();
            BytePointer data = new BytePointer(archive.length);
            data.put(archive);
            a.load_from(data, archive.length);
            InputArchive state = new InputArchive();
            if (!a.try_read("state", state)) {
                return null; // no step taken yet
            }
            StringVector params = state.keys();
            for (long i = 0; i < params.size(); i++) {
                InputArchive p = new InputArchive();
                state.read(params.get(i).getString(), p);
                StringVector names = p.keys();
                for (long j = 0; j < names.size(); j++) {
                    String name = names.get(j).getString();
                    if (name.equals("step")) {
                        continue;
                    }
                    Tensor t = new Tensor();
                    if (p.try_read(name, t) && !allFinite(List.of(t))) {
                        return name;
                    }
                }
            }
            return null;
        }
    }
}
