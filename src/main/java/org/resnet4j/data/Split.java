package org.resnet4j.data;

import java.util.Locale;

/** Which part of a dataset to read. */
public enum Split {
    TRAIN, VAL, TEST;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Split parse(String s) {
        for (Split v : values()) {
            if (v.label().equalsIgnoreCase(s.trim())) {
                return v;
            }
        }
        throw new IllegalArgumentException("unknown split '" + s + "' (expected train, val or test)");
    }
}
