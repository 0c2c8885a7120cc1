package org.resnet4j.io;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.StringSharedModuleDict;
import org.bytedeco.pytorch.StringTensorDict;
import org.bytedeco.pytorch.Tensor;
import org.resnet4j.engine.Tensors;

/** A module's parameters and buffers by their PyTorch state-dict names, and loading them back. */
public final class StateDict {
    private StateDict() {
    }

    /**
     * The module's live tensors (not copies) in the order PyTorch's {@code state_dict()} lists them: module by
     * module in pre-order, each module's parameters before its buffers.
     */
    public static Map<String, Tensor> of(Module module) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        StringSharedModuleDict modules = module.named_modules();
        for (long i = 0; i < modules.size(); i++) {
            var key = modules.get(i).key();
            String prefix = key == null ? "" : key.getString(); // the root's name is empty, which arrives as null
            Module m = modules.get(i).value();
            putAll(out, prefix, m.named_parameters(false));
            putAll(out, prefix, m.named_buffers(false));
        }
        return out;
    }

    private static void putAll(Map<String, Tensor> out, String prefix, StringTensorDict dict) {
        for (long i = 0; i < dict.size(); i++) {
            String name = dict.get(i).key().getString();
            // value() is a reference into the dict, which is freed once its Java wrapper is collected: keep a handle
            // of our own on the same tensor (the copy shares the storage, so the tensors stay live)
            out.put(prefix.isEmpty() ? name : prefix + "." + name, new Tensor(dict.get(i).value()));
        }
    }

    /**
     * Copies {@code source} into the module's tensors (converting dtype where needed). Strict loading fails, before
     * changing anything, on any missing or unexpected key; a shape mismatch always fails, as in PyTorch.
     *
     * @throws WeightsMismatchException naming every offending key
     */
    public static LoadReport load(Module module, Map<String, Tensor> source, boolean strict) {
        Map<String, Tensor> target = of(module);
        LoadReport report = compare(target, source);
        if (!report.mismatched().isEmpty() || (strict && !report.isClean())) {
            throw new WeightsMismatchException(report);
        }
        try (NoGradGuard guard = new NoGradGuard()) {
            for (String k : report.loaded()) {
                target.get(k).copy_(source.get(k));
            }
        }
        return report;
    }

    /** What loading {@code source} into {@code module} would find, without changing anything. */
    public static LoadReport check(Module module, Map<String, Tensor> source) {
        return compare(of(module), source);
    }

    private static LoadReport compare(Map<String, Tensor> target, Map<String, Tensor> source) {
        List<String> loaded = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        List<String> mismatched = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : target.entrySet()) {
            Tensor src = source.get(e.getKey());
            if (src == null) {
                missing.add(e.getKey());
            } else if (!Arrays.equals(Tensors.shape(src), Tensors.shape(e.getValue()))) {
                mismatched.add(e.getKey() + " (model " + Arrays.toString(Tensors.shape(e.getValue())) + ", weights "
                        + Arrays.toString(Tensors.shape(src)) + ")");
            } else {
                loaded.add(e.getKey());
            }
        }
        List<String> unexpected = new ArrayList<>();
        for (String k : source.keySet()) {
            if (!target.containsKey(k)) {
                unexpected.add(k);
            }
        }
        return new LoadReport(loaded, missing, unexpected, mismatched);
    }
}
