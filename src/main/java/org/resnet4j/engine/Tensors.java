package org.resnet4j.engine;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.zip.CRC32C;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.pytorch.LongArrayRef;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/** Copies between Java arrays or buffers and tensors (made in host memory; read from any device). */
public final class Tensors {
    static {
        Engine.start(); // before any libtorch class is touched
    }

    private Tensors() {
    }

    public static long[] shape(Tensor t) {
        LongArrayRef sizes = t.sizes();
        long[] shape = new long[(int) sizes.size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = sizes.get(i);
        }
        return shape;
    }

    public static Tensor empty(ScalarType dtype, long... shape) {
        return torch.empty(shape, new TensorOptions(dtype), null);
    }

    public static Tensor fromFloats(float[] data, long... shape) {
        checkCount(data.length, shape);
        Tensor t = empty(ScalarType.Float, shape);
        t.data_ptr_float().put(data);
        return t;
    }

    public static Tensor fromLongs(long[] data, long... shape) {
        checkCount(data.length, shape);
        Tensor t = empty(ScalarType.Long, shape);
        t.data_ptr_long().put(data);
        return t;
    }

    /** A tensor holding a copy of {@code bytes}' remaining bytes, read as little-endian values of {@code dtype}. */
    public static Tensor fromBytes(ByteBuffer bytes, ScalarType dtype, long... shape) {
        Tensor t = empty(dtype, shape);
        long n = t.nbytes();
        if (bytes.remaining() != n) {
            throw new IllegalArgumentException("expected " + n + " bytes for shape " + Arrays.toString(shape)
                    + " of " + dtype + ", got " + bytes.remaining());
        }
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new UnsupportedOperationException("big-endian hosts are not supported");
        }
        BytePointer dst = new BytePointer(t.data_ptr()).capacity(n);
        dst.asBuffer().put(bytes.duplicate());
        return t;
    }

    /** The raw little-endian bytes of a contiguous copy of {@code t}. */
    public static ByteBuffer toBytes(Tensor t) {
        Tensor c = ComputeDevice.toHost(t).contiguous();
        long n = c.nbytes();
        if (n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("tensor too large for one buffer: " + n + " bytes");
        }
        ByteBuffer out = ByteBuffer.allocate((int) n).order(ByteOrder.LITTLE_ENDIAN);
        if (n > 0) {
            out.put(new BytePointer(c.data_ptr()).capacity(n).asBuffer());
        }
        out.flip();
        return out;
    }

    /** The CRC32C of the bytes {@link #toBytes} would return, computed without copying them to the Java heap. */
    public static int crc32c(Tensor t) {
        Tensor c = ComputeDevice.toHost(t).contiguous();
        long n = c.nbytes();
        CRC32C crc = new CRC32C();
        if (n > 0) {
            BytePointer p = new BytePointer(c.data_ptr());
            for (long at = 0; at < n; at += 1 << 30) {
                long end = Math.min(n, at + (1 << 30));
                crc.update(p.position(at).limit(end).capacity(end).asBuffer());
            }
        }
        return (int) crc.getValue();
    }

    public static float[] toFloats(Tensor t) {
        Tensor c = ComputeDevice.toHost(t).to(ScalarType.Float).contiguous();
        float[] out = new float[Math.toIntExact(c.numel())];
        c.data_ptr_float().get(out);
        return out;
    }

    public static long[] toLongs(Tensor t) {
        Tensor c = ComputeDevice.toHost(t).to(ScalarType.Long).contiguous();
        long[] out = new long[Math.toIntExact(c.numel())];
        c.data_ptr_long().get(out);
        return out;
    }

    private static void checkCount(int length, long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        if (n != length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds " + n
                    + " values, got " + length);
        }
    }
}
