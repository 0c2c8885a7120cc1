package org.resnet4j.model;

import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.MemoryFormat;
import org.resnet4j.engine.Kernels;

/**
 * A convolution and the geometry it was built with. A 1×1 convolution runs as the matrix product it is (over the
 * channel axis, after subsampling by the stride) where the engine says oneDNN's own 1×1 kernels cannot be trusted
 * ({@link Kernels#pointwiseAsMatrixProduct}).
 */
final class Conv {
    private final Conv2dImpl impl;
    private final int kernel;
    private final int stride;

    private Conv(Conv2dImpl impl) {
        this.impl = impl;
        this.kernel = (int) impl.options().kernel_size().get(0);
        this.stride = (int) impl.options().stride().get(0);
    }

    /** Registers {@code impl} on {@code owner} as {@code name} (its state-dict name) and wraps it. */
    static Conv register(Module owner, String name, Conv2dImpl impl) {
        return new Conv(owner.register_module(name, impl));
    }

    Conv2dImpl impl() {
        return impl;
    }

    int stride() {
        return stride;
    }

    Tensor forward(Tensor x) {
        if (kernel != 1 || !Kernels.pointwiseAsMatrixProduct()) {
            return impl.forward(x);
        }
        Tensor in = stride == 1 ? x : x.slice(2, new LongOptional(0), new LongOptional(), stride)
                .slice(3, new LongOptional(0), new LongOptional(), stride);
        Tensor w = impl.weight().reshape(impl.weight().size(0), impl.weight().size(1));
        Tensor bias = impl.bias();
        if (x.is_contiguous(MemoryFormat.ChannelsLast) && x.size(1) > 1) {
            Tensor nhwc = in.permute(0, 2, 3, 1);
            Tensor y = bias.defined() ? torch.linear(nhwc, w, bias) : torch.linear(nhwc, w);
            return y.permute(0, 3, 1, 2); // an NCHW view of channels-last memory
        }
        long n = in.size(0);
        long h = in.size(2);
        long wd = in.size(3);
        Tensor y = torch.matmul(w, in.reshape(n, in.size(1), h * wd)); // (O, C) x (N, C, HW) -> (N, O, HW)
        if (bias.defined()) {
            y = y.add(bias.reshape(1, -1, 1));
        }
        return y.view(n, w.size(0), h, wd);
    }
}
