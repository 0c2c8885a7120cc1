package org.resnet4j.model;

import java.util.Locale;

/** The shape of one image or feature map: channels × height × width. */
public record Shape(long channels, long height, long width) {
    public Shape {
        if (channels < 1 || height < 1 || width < 1) {
            throw new IllegalArgumentException("shape dimensions must be positive: " + channels + "x" + height + "x" + width);
        }
    }

    /** Parses {@code 3x32x32}. */
    public static Shape parse(String s) {
        String[] parts = s.trim().toLowerCase(Locale.ROOT).split("x");
        if (parts.length != 3) {
            throw new IllegalArgumentException("input shape must be CxHxW, for example 3x32x32, got '" + s + "'");
        }
        try {
            return new Shape(Long.parseLong(parts[0]), Long.parseLong(parts[1]), Long.parseLong(parts[2]));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("input shape must be CxHxW, for example 3x32x32, got '" + s + "'");
        }
    }

    public long size() {
        return channels * height * width;
    }

    @Override
    public String toString() {
        return channels + "x" + height + "x" + width;
    }
}
