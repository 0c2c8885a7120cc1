package org.resnet4j.model;

import java.util.List;

import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.pytorch.BatchNorm2dImpl;
import org.bytedeco.pytorch.BatchNormOptions;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.Conv2dOptions;
import org.bytedeco.pytorch.DetailConv2dOptions;
import org.bytedeco.pytorch.Module;

/** Factories for the few layer kinds a ResNet uses, and their shape and cost arithmetic for summaries. */
final class Layers {
    private Layers() {
    }

    /** A bias-free square convolution, as every ResNet convolution is. */
    static Conv2dImpl conv(long in, long out, int kernel, int stride, int padding) {
        Conv2dOptions o = new Conv2dOptions(in, out, new LongPointer(kernel, kernel));
        o.stride().put(new long[] {stride, stride});
        o.padding().put(new LongPointer(padding, padding));
        o.bias().put(false);
        return new Conv2dImpl(o);
    }

    static Conv2dImpl conv3x3(long in, long out, int stride) {
        return conv(in, out, 3, stride, 1);
    }

    static Conv2dImpl conv1x1(long in, long out, int stride) {
        return conv(in, out, 1, stride, 0);
    }

    static BatchNorm2dImpl batchNorm(long channels) {
        return new BatchNorm2dImpl(new BatchNormOptions(channels));
    }

    static long parameterCount(Module m) {
        var params = m.parameters();
        long n = 0;
        for (long i = 0; i < params.size(); i++) {
            n += params.get(i).numel();
        }
        return n;
    }

    static Shape convOutput(Conv2dImpl conv, Shape in) {
        DetailConv2dOptions o = conv.options();
        long k = o.kernel_size().get(0);
        long s = o.stride().get(0);
        long p = o.padding().get0().get(0);
        return new Shape(o.out_channels().get(), (in.height() + 2 * p - k) / s + 1, (in.width() + 2 * p - k) / s + 1);
    }

    /** Appends a row for {@code conv} and returns its output shape. */
    static Shape describeConv(String name, Conv2dImpl conv, Shape in, List<LayerRow> rows, int depth) {
        DetailConv2dOptions o = conv.options();
        long k = o.kernel_size().get(0);
        Shape out = convOutput(conv, in);
        long params = parameterCount(conv);
        long macs = out.height() * out.width() * out.channels() * o.in_channels().get() * k * k;
        rows.add(new LayerRow(name, "Conv2d " + k + "x" + k + "/" + o.stride().get(0), out, params, macs, depth));
        return out;
    }

    static void describeNorm(String name, BatchNorm2dImpl bn, Shape shape, List<LayerRow> rows, int depth) {
        rows.add(new LayerRow(name, "BatchNorm2d", shape, parameterCount(bn), 0, depth));
    }

    static String join(String prefix, String name) {
        return prefix.isEmpty() ? name : prefix + "." + name;
    }
}
