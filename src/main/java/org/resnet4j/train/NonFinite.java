package org.resnet4j.train;

import java.util.List;
import java.util.Map;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InputArchive;
import org.bytedeco.pytorch.StringVector;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * Finds NaN and infinite values in model state and optimiser state: one fused reduction per tensor and one
 * synchronisation for all of them; the tensor's name is looked for only when something was found.
 */
public final class NonFinite {
    private NonFinite() {
    }

    /** Whether every floating-point tensor of {@code tensors} is finite throughout. */
    public static boolean allFinite(List<Tensor> tensors) {
        try (PointerScope scope = new PointerScope()) {
            TensorVector flags = new TensorVector();
            for (Tensor t : tensors) {
                if (t.defined() && t.is_floating_point()) {
                    flags.push_back(t.isfinite().all());
                }
            }
            return flags.empty() || torch.stack(flags).all().item_bool();
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
