package org.resnet4j.model;

import java.util.Locale;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * The part of a network that fine-tuning leaves as it is: nothing, the stem, the stem and the first {@code stages}
 * stages ({@code layer2}: stem, layer1 and layer2), or the whole backbone (everything but the classifier {@code fc}).
 * Frozen parameters get no gradient and are left out of the optimiser, and frozen BatchNorm layers stay in eval mode,
 * so that their running statistics keep the values the weights were trained with.
 */
public record Freeze(Kind kind, int stages) {
    public static final Freeze NONE = new Freeze(Kind.NONE, 0);

    public enum Kind { NONE, STEM, LAYERS, BACKBONE }

    public Freeze {
        if (kind == Kind.LAYERS ? stages < 1 : stages != 0) {
            throw new IllegalArgumentException("layerK freezes the stem and stages 1..K, K >= 1");
        }
    }

    @JsonCreator
    public static Freeze parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        switch (t) {
            case "none":
                return NONE;
            case "stem":
                return new Freeze(Kind.STEM, 0);
            case "backbone":
                return new Freeze(Kind.BACKBONE, 0);
            default:
                if (t.matches("layer[1-9][0-9]*")) {
                    return new Freeze(Kind.LAYERS, Integer.parseInt(t.substring(5)));
                }
                throw new IllegalArgumentException("'" + text + "' is not none, stem, layerK (layer1, layer2, ...) or"
                        + " backbone");
        }
    }

    /** Refuses a freeze that names a stage {@code arch} does not have. */
    public void check(Architecture arch) {
        if (kind == Kind.LAYERS && stages > arch.stageSizes().length) {
            throw new IllegalArgumentException("--freeze " + this + ": " + arch.name() + " has "
                    + arch.stageSizes().length + " stages (layer1..layer" + arch.stageSizes().length + ")");
        }
    }

    /** Whether the parameter or buffer called {@code name} (a state-dict key) lies in the frozen part. */
    public boolean covers(String name) {
        String top = name.contains(".") ? name.substring(0, name.indexOf('.')) : name;
        return switch (kind) {
            case NONE -> false;
            case BACKBONE -> !top.equals("fc");
            case STEM -> isStem(top);
            case LAYERS -> isStem(top) || (top.startsWith("layer") && Integer.parseInt(top.substring(5)) <= stages);
        };
    }

    /** The stem's modules: conv1 and, in post-activation nets, bn1. */
    private static boolean isStem(String top) {
        return top.equals("conv1") || top.equals("bn1");
    }

    @JsonValue
    @Override
    public String toString() {
        return kind == Kind.LAYERS ? "layer" + stages : kind.name().toLowerCase(Locale.ROOT);
    }
}
