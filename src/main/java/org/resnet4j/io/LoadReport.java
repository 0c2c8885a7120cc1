package org.resnet4j.io;

import java.util.ArrayList;
import java.util.List;

/**
 * What a state-dict load found, as PyTorch's {@code load_state_dict} reports it: keys the model has and the
 * weights lack, keys the weights have and the model lacks, and keys present in both with different shapes.
 */
public record LoadReport(List<String> loaded, List<String> missing, List<String> unexpected, List<String> mismatched) {

    public LoadReport {
        loaded = List.copyOf(loaded);
        missing = List.copyOf(missing);
        unexpected = List.copyOf(unexpected);
        mismatched = List.copyOf(mismatched);
    }

    public boolean isClean() {
        return missing.isEmpty() && unexpected.isEmpty() && mismatched.isEmpty();
    }

    public String describe() {
        List<String> parts = new ArrayList<>();
        if (!missing.isEmpty()) {
            parts.add(missing.size() + " missing key(s): " + String.join(", ", missing));
        }
        if (!unexpected.isEmpty()) {
            parts.add(unexpected.size() + " unexpected key(s): " + String.join(", ", unexpected));
        }
        if (!mismatched.isEmpty()) {
            parts.add(mismatched.size() + " shape mismatch(es): " + String.join(", ", mismatched));
        }
        return parts.isEmpty() ? "all " + loaded.size() + " keys loaded" : "weights do not fit the model: "
                + String.join("; ", parts);
    }
}
