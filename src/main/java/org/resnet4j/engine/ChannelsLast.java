package org.resnet4j.engine;

import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch.MemoryFormat;

/** Channels-last (NHWC) memory format, which oneDNN's convolutions prefer, for a module's weights. */
public final class ChannelsLast {
    private ChannelsLast() {
    }

    /**
     * Re-lays every 4-dimensional parameter of {@code module} out as channels-last, in place: the tensors keep their
     * identity (optimisers holding them are unaffected) and their values; only the memory order changes.
     */
    public static void convert(Module module) {
        try (NoGradGuard guard = new NoGradGuard()) {
            TensorVector params = module.parameters();
            for (long i = 0; i < params.size(); i++) {
                var p = params.get(i);
                if (p.dim() == 4) {
                    p.set_(p.contiguous(MemoryFormat.ChannelsLast));
                }
            }
        }
    }
}
