package org.resnet4j.engine;

import java.util.Locale;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * The device a user asks for: {@code cpu}, {@code cuda} (device 0), {@code cuda:N}, or {@code auto} (CUDA when
 * libtorch sees a device, else the CPU). {@link Devices#resolve} turns it into a {@link ComputeDevice}.
 */
public record DeviceChoice(Kind kind, int index) {
    public enum Kind { AUTO, CPU, CUDA }

    public static final DeviceChoice AUTO = new DeviceChoice(Kind.AUTO, -1);
    public static final DeviceChoice CPU = new DeviceChoice(Kind.CPU, -1);

    /** CUDA device numbers libtorch accepts (c10::DeviceIndex is a signed byte). */
    static final int MAX_INDEX = Byte.MAX_VALUE;

    public DeviceChoice {
        if (kind == null || (kind != Kind.CUDA && index != -1) || index < -1 || index > MAX_INDEX) {
            throw new IllegalArgumentException("not a device: " + kind + ":" + index);
        }
    }

    public static DeviceChoice cuda(int index) {
        return new DeviceChoice(Kind.CUDA, index);
    }

    /** Reads {@code cpu}, {@code cuda}, {@code cuda:N} or {@code auto} (any case). */
    @JsonCreator
    public static DeviceChoice parse(String text) {
        String t = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
        switch (t) {
            case "auto":
                return AUTO;
            case "cpu":
                return CPU;
            case "cuda":
                return cuda(0);
            default:
                break;
        }
        if (t.startsWith("cuda:")) {
            String n = t.substring(5);
            if (!n.isEmpty() && n.length() <= 3 && n.chars().allMatch(Character::isDigit)
                    && Integer.parseInt(n) <= MAX_INDEX) {
                return cuda(Integer.parseInt(n));
            }
        }
        throw new IllegalArgumentException("'" + text + "' is not a device: use cpu, cuda, cuda:N (N = 0, 1, ...)"
                + " or auto");
    }

    @JsonValue
    @Override
    public String toString() {
        return switch (kind) {
            case AUTO -> "auto";
            case CPU -> "cpu";
            case CUDA -> "cuda:" + index;
        };
    }
}
