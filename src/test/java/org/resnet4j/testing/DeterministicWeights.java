package org.resnet4j.testing;

import java.util.Map;

import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.resnet4j.engine.Tensors;
import org.resnet4j.io.StateDict;

/**
 * Fills a model with the formula weights of tools/make_fixtures.py, bit for bit: every value comes from an integer
 * hash of the tensor's state-dict name and the element's index, then one double multiply-add rounded to float.
 */
public final class DeterministicWeights {
    private DeterministicWeights() {
    }

    public static void fill(Module model) {
        try (NoGradGuard guard = new NoGradGuard()) {
            for (Map.Entry<String, Tensor> e : StateDict.of(model).entrySet()) {
                Tensor t = e.getValue();
                t.copy_(value(e.getKey(), Tensors.shape(t)));
            }
        }
    }

    static Tensor value(String key, long[] shape) {
        String leaf = key.substring(key.lastIndexOf('.') + 1);
        if (leaf.equals("num_batches_tracked")) {
            return Tensors.fromLongs(new long[] {7}, shape);
        }
        int n = 1;
        for (long d : shape) {
            n *= (int) d;
        }
        float[] out = new float[n];
        long seed = key.hashCode() & 0xffffffffL;
        double fanInScale = 0;
        if (leaf.equals("weight") && shape.length >= 2) {
            long fanIn = 1;
            for (int i = 1; i < shape.length; i++) {
                fanIn *= shape[i];
            }
            fanInScale = 1.0 / Math.sqrt((double) fanIn);
        }
        for (int i = 0; i < n; i++) {
            double u = unit(seed, i);
            double v;
            if (fanInScale != 0) {
                v = u * fanInScale;
            } else if (leaf.equals("weight")) {
                v = 1.0 + 0.25 * u;
            } else if (leaf.equals("running_var")) {
                v = 1.0 + 0.5 * u;
            } else {
                v = 0.1 * u;
            }
            out[i] = (float) v;
        }
        return Tensors.fromFloats(out, shape);
    }

    static double unit(long seed, long i) {
        long m = 0xffffffffL;
        long h = (i * 0x9E3779B1L + seed * 0x85EBCA77L) & m;
        h ^= h >>> 15;
        h = (h * 0x2C1B3C6DL) & m;
        h ^= h >>> 12;
        h = (h * 0x297A2D39L) & m;
        h ^= h >>> 15;
        return (double) (h >>> 8) / (1 << 24) * 2.0 - 1.0;
    }
}
