package org.resnet4j.engine;

import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.DeviceType;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * A region in which libtorch runs eligible CPU ops (convolutions, matrix products) in bfloat16, as PyTorch's
 * {@code torch.autocast("cpu", dtype=torch.bfloat16)}. Close it to leave; leaving the outermost region clears the
 * cache of down-cast weights, which would otherwise go stale once the optimiser updates them.
 */
public final class Autocast implements AutoCloseable {
    private final boolean active;
    private final boolean wasEnabled;
    private final ScalarType previousDtype;

    private Autocast(boolean active) {
        this.active = active;
        if (!active) {
            wasEnabled = false;
            previousDtype = null;
            return;
        }
        Engine.start();
        wasEnabled = torch.is_autocast_enabled(DeviceType.CPU);
        previousDtype = torch.get_autocast_dtype(DeviceType.CPU);
        torch.set_autocast_dtype(DeviceType.CPU, ScalarType.BFloat16);
        torch.set_autocast_enabled(DeviceType.CPU, true);
        torch.increment_nesting();
    }

    /** Enters a bf16 region when {@code enabled}; otherwise a no-op, so callers need no branch. */
    public static Autocast bf16(boolean enabled) {
        return new Autocast(enabled);
    }

    @Override
    public void close() {
        if (!active) {
            return;
        }
        if (torch.decrement_nesting() == 0) {
            torch.clear_cache();
        }
        torch.set_autocast_enabled(DeviceType.CPU, wasEnabled);
        torch.set_autocast_dtype(DeviceType.CPU, previousDtype);
    }
}
