package org.resnet4j.engine;

import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Dispatcher;
import org.bytedeco.pytorch.GenericList;
import org.bytedeco.pytorch.IValue;
import org.bytedeco.pytorch.IValueVector;
import org.bytedeco.pytorch.ListType;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.OperatorHandle;
import org.bytedeco.pytorch.OptionalType;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * A convolution for inference whose weight oneDNN holds prepacked in its own blocked layout, run with its bias, ReLU
 * and residual add fused into the one kernel as post-ops: the ops PyTorch's inductor calls for a frozen model on the
 * CPU ({@code torch/_inductor/fx_passes/mkldnn_fusion.py}). libtorch registers them with its dispatcher but not in
 * its C++ API, so they are called boxed, with the arguments that never change built once.
 *
 * <p>oneDNN runs them channels-last whatever the input's layout (NCHW input is converted first), and returns
 * channels-last tensors.
 */
public final class FusedConvolution {
    /** Looked up on first use: a libtorch built without oneDNN has none of these. */
    private static final class Ops {
        static final OperatorHandle POINTWISE = find("mkldnn::_convolution_pointwise", "");
        static final OperatorHandle ADD_INTO = find("mkldnn::_convolution_pointwise_", "binary");
        static final OperatorHandle REORDER = find("mkldnn::_reorder_convolution_weight", "");
        /** {@code Scalar?[]}, empty: the ReLU post-op takes no parameters. */
        static final IValue NO_SCALARS = keep(new IValue(new GenericList(OptionalType.get(ListType.ofNumbers()
                .getElementType()))));
        static final IValue NONE = keep(new IValue());
        static final IValue ONE = keep(new IValue(1L));
        static final IValue DILATION = keep(ints(1, 1));

        private static OperatorHandle find(String name, String overload) {
            return keep(Dispatcher.singleton().findSchemaOrThrow(name, overload));
        }
    }

    private final Tensor weight;
    /** X, W, B, padding, stride, dilation, groups, attr, scalars, algorithm: X filled in by each call. */
    private final IValueVector plain;
    private final IValueVector relu;
    /** other, X, W, B, padding, stride, dilation, groups, "add", alpha, "relu", scalars, algorithm. */
    private final IValueVector addRelu;

    private FusedConvolution(Tensor weight, Tensor bias, int stride, int padding) {
        this.weight = weight;
        IValue w = new IValue(weight);
        IValue b = bias == null || !bias.defined() ? Ops.NONE : new IValue(bias);
        IValue pad = ints(padding, padding);
        IValue str = ints(stride, stride);
        IValue hole = Ops.NONE;
        plain = keep(new IValueVector(hole, w, b, pad, str, Ops.DILATION, Ops.ONE, new IValue("none"), Ops.NO_SCALARS,
                Ops.NONE));
        relu = keep(new IValueVector(hole, w, b, pad, str, Ops.DILATION, Ops.ONE, new IValue("relu"), Ops.NO_SCALARS,
                Ops.NONE));
        addRelu = keep(new IValueVector(hole, hole, w, b, pad, str, Ops.DILATION, Ops.ONE, new IValue("add"), Ops.NONE,
                new IValue("relu"), Ops.NO_SCALARS, Ops.NONE));
    }

    /** Whether this libtorch has the fused oneDNN convolutions. */
    public static boolean available() {
        try {
            return torch.hasMKLDNN() && Ops.POINTWISE != null && Ops.ADD_INTO != null && Ops.REORDER != null;
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    /**
     * Prepacks a square convolution's {@code weight} (and {@code bias}, either may be undefined) in {@code dtype}
     * for input of {@code inputSizes} (N, C, H, W). oneDNN chooses the packed layout by the input's spatial size; the
     * batch size does not change it, and input of another spatial size still computes correctly, repacking the
     * weight on every call.
     */
    public static FusedConvolution prepack(Tensor weight, Tensor bias, int stride, int padding, ScalarType dtype,
            long[] inputSizes) {
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            IValueVector stack = new IValueVector(new IValue(weight.to(dtype).contiguous()), ints(padding, padding),
                    ints(stride, stride), Ops.DILATION, Ops.ONE, ints(inputSizes));
            Ops.REORDER.callBoxed(stack);
            Tensor packed = keep(stack.get(0).toTensor());
            Tensor b = bias == null || !bias.defined() ? null : keep(bias.to(dtype).contiguous());
            return new FusedConvolution(packed, b, stride, padding);
        }
    }

    /** conv(x) + bias, then ReLU when {@code thenRelu}. */
    public Tensor forward(Tensor x, boolean thenRelu) {
        IValueVector stack = new IValueVector();
        stack.put(thenRelu ? relu : plain);
        stack.put(0, new IValue(x));
        Ops.POINTWISE.callBoxed(stack);
        return stack.get(0).toTensor();
    }

    /**
     * ReLU(residual + conv(x) + bias), written into {@code residual} (which must not be needed afterwards) and
     * returned. A channels-last {@code residual} takes it as oneDNN's sum post-op; any other is added afterwards.
     */
    public Tensor addReluInto(Tensor residual, Tensor x) {
        IValueVector stack = new IValueVector();
        stack.put(addRelu);
        stack.put(0, new IValue(residual));
        stack.put(1, new IValue(x));
        Ops.ADD_INTO.callBoxed(stack);
        return stack.get(0).toTensor();
    }

    /** The prepacked weight (an opaque oneDNN tensor). */
    public Tensor weight() {
        return weight;
    }

    private static IValue ints(long... values) {
        GenericList list = new GenericList(ListType.ofInts().getElementType());
        for (long v : values) {
            list.push_back(new IValue(v));
        }
        return new IValue(list);
    }

    /**
     * Keeps {@code p} alive for as long as Java holds it, even when it was made inside a caller's scope: these are
     * built once (often during the first forward pass, in that pass's scope) and used by every later one.
     */
    private static <P extends Pointer> P keep(P p) {
        PointerScope scope = PointerScope.getInnerScope();
        if (scope != null) {
            p.retainReference();
            scope.detach(p);
        }
        return p;
    }
}
