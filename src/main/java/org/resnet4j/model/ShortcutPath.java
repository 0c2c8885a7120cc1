package org.resnet4j.model;

import java.util.List;

import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** The shortcut of one block: identity, projection (option B), zero-padded identity (option A) or none. */
final class ShortcutPath {
    private enum Kind { IDENTITY, PROJECTION, ZERO_PAD, NONE }

    private final Kind kind;
    private final String name;
    private final int stride;
    private final long padFront;
    private final long padBack;
    /** The nn.Sequential-like container of a projection, held so its Java object stays reachable (see ResNet). */
    private final Module container;
    private final Conv conv;
    private final ConvNorm convNorm;

    private ShortcutPath(Kind kind, String name, int stride, long padFront, long padBack, Module container,
            Conv conv, ConvNorm convNorm) {
        this.kind = kind;
        this.name = name;
        this.stride = stride;
        this.padFront = padFront;
        this.padBack = padBack;
        this.container = container;
        this.conv = conv;
        this.convNorm = convNorm;
    }

    /**
     * Builds the shortcut for a block mapping {@code in} to {@code out} channels at {@code stride}, registering a
     * projection's layers on {@code owner} as {@code name.0} (conv) and {@code name.1} (BN, when
     * {@code projectionNorm}), the layout of PyTorch's {@code nn.Sequential}.
     */
    static ShortcutPath create(Module owner, BlockArgs args, long out, boolean projectionNorm) {
        long in = args.inChannels();
        boolean reshapes = args.stride() != 1 || in != out;
        if (args.shortcut() == Shortcut.NONE) {
            return new ShortcutPath(Kind.NONE, args.shortcutName(), args.stride(), 0, 0, null, null, null);
        }
        if (!reshapes) {
            return new ShortcutPath(Kind.IDENTITY, args.shortcutName(), 1, 0, 0, null, null, null);
        }
        if (args.shortcut() == Shortcut.A) {
            if (out < in) {
                throw new IllegalArgumentException("option A cannot shrink channels (" + in + " -> " + out + ")");
            }
            // Half the new channels in front and half behind, as the widely used PyTorch port of the paper's
            // CIFAR nets does (F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, planes // 4, planes // 4))), so its
            // weights carry over channel for channel.
            long extra = out - in;
            return new ShortcutPath(Kind.ZERO_PAD, args.shortcutName(), args.stride(), extra / 2, extra - extra / 2,
                    null, null, null);
        }
        Module seq = owner.register_module(args.shortcutName(), new Module());
        Conv2dImpl conv = Layers.conv1x1(in, out, args.stride());
        if (projectionNorm) {
            ConvNorm cn = new ConvNorm(seq, "0", conv, "1", Layers.batchNorm(out));
            return new ShortcutPath(Kind.PROJECTION, args.shortcutName(), args.stride(), 0, 0, seq, null, cn);
        }
        return new ShortcutPath(Kind.PROJECTION, args.shortcutName(), args.stride(), 0, 0, seq,
                Conv.register(seq, "0", conv), null);
    }

    boolean isNone() {
        return kind == Kind.NONE;
    }

    boolean isProjection() {
        return kind == Kind.PROJECTION;
    }

    Tensor apply(Tensor x) {
        switch (kind) {
            case PROJECTION:
                return convNorm != null ? convNorm.forward(x) : conv.forward(x);
            case ZERO_PAD:
                Tensor sub = stride == 1 ? x
                        : x.slice(2, new LongOptional(0), new LongOptional(), stride)
                           .slice(3, new LongOptional(0), new LongOptional(), stride);
                return torch.constant_pad_nd(sub, 0, 0, 0, 0, padFront, padBack);
            case IDENTITY:
                return x;
            default:
                throw new IllegalStateException("a plain block has no shortcut");
        }
    }

    void foldNorm() {
        if (convNorm != null) {
            convNorm.fold();
        }
    }

    /** Appends the shortcut's rows; {@code in} is the shape the shortcut sees. */
    void describe(String blockName, Shape in, List<LayerRow> rows, int depth) {
        String full = Layers.join(blockName, name);
        switch (kind) {
            case PROJECTION:
                if (convNorm != null) {
                    convNorm.describe(full, in, rows, depth);
                } else {
                    Layers.describeConv(full + ".0", conv.impl(), in, rows, depth);
                }
                break;
            case ZERO_PAD: {
                long h = (in.height() - 1) / stride + 1;
                long w = (in.width() - 1) / stride + 1;
                rows.add(new LayerRow(full, "ZeroPadShortcut (A)", new Shape(in.channels() + padFront + padBack, h, w),
                        0, 0, depth));
                break;
            }
            default:
                break;
        }
    }

    /** A short description for the block's summary row. */
    String label() {
        switch (kind) {
            case PROJECTION: return "projection 1x1/" + stride + (convNorm == null ? "" : " + BN");
            case ZERO_PAD: return "zero-pad (A)";
            case IDENTITY: return "identity";
            default: return "none";
        }
    }
}
