package org.resnet4j.io;

import org.bytedeco.pytorch.global.torch.ScalarType;

/** The safetensors dtypes resnet4j reads and writes, and their libtorch equivalents. */
public enum DType {
    F64(ScalarType.Double, 8),
    F32(ScalarType.Float, 4),
    F16(ScalarType.Half, 2),
    BF16(ScalarType.BFloat16, 2),
    I64(ScalarType.Long, 8),
    I32(ScalarType.Int, 4),
    I16(ScalarType.Short, 2),
    I8(ScalarType.Char, 1),
    U8(ScalarType.Byte, 1),
    BOOL(ScalarType.Bool, 1);

    private final ScalarType scalarType;
    private final int bytes;

    DType(ScalarType scalarType, int bytes) {
        this.scalarType = scalarType;
        this.bytes = bytes;
    }

    public ScalarType scalarType() {
        return scalarType;
    }

    public int bytes() {
        return bytes;
    }

    public static DType of(ScalarType t) {
        for (DType d : values()) {
            // JavaCPP hands out fresh enum objects for native values: compare the values, not the objects
            if (d.scalarType.value == t.value) {
                return d;
            }
        }
        throw new IllegalArgumentException("no safetensors dtype for " + t);
    }

    /** The dtype named {@code name} in a safetensors header, or null. */
    static DType byName(String name) {
        for (DType d : values()) {
            if (d.name().equals(name)) {
                return d;
            }
        }
        return null;
    }
}
