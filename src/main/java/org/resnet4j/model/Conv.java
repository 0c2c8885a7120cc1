package org.resnet4j.model;

import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.MemoryFormat;

/**
 * A convolution and the geometry it was built with. On channels-last input a 1×1 convolution runs as the matrix
 * product it is (over the channel axis, after subsampling by the stride) rather than through oneDNN: libtorch
 * 2.10's oneDNN 3.7.1 picks a 1×1 kernel there that returns wrong values from 512 output channels (relative error
 * 0.5 at 256→512, stride 2) and crashes from 1,024, on CPUs that report no cache sizes (docs/engine-notes.md).
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

    Tensor forward(Tensor x) {
        if (kernel != 1 || !x.is_contiguous(MemoryFormat.ChannelsLast) || x.size(1) == 1) {
            return impl.forward(x);
        }
        Tensor in = stride == 1 ? x : x.slice(2, new LongOptional(0), new LongOptional(), stride)
                .slice(3, new LongOptional(0), new LongOptional(), stride);
        Tensor w = impl.weight().reshape(impl.weight().size(0), impl.weight().size(1));
        Tensor bias = impl.bias();
        Tensor nhwc = in.permute(0, 2, 3, 1);
        Tensor y = bias.defined() ? torch.linear(nhwc, w, bias) : torch.linear(nhwc, w);
        return y.permute(0, 3, 1, 2); // an NCHW view of channels-last memory
    }
}
