package org.resnet4j.engine;

import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.DeviceType;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * A region in which libtorch runs eligible ops (convolutions, matrix products) of one device type in a lower
 * precision, as PyTorch's {@code torch.autocast(device_type, dtype)}: bfloat16 on the CPU, float16 or bfloat16 on
 * CUDA. Close it to leave; leaving the outermost region clears the cache of down-cast weights, which would otherwise go
 * stale once the optimiser updates them.
 */
public final class Autocast implements AutoCloseable {
    private static final Autocast NONE = new Autocast(null, null);
    private final DeviceType device;
    private final boolean wasEnabled;
    private final ScalarType previousDtype;

    private Autocast(DeviceType device, ScalarType dtype) {
        this.device = device;
        if (device == null) {
            wasEnabled = false;
            previousDtype = null;
            return;
        }
        Engine.start();
        wasEnabled = torch.is_autocast_enabled(device);
        previousDtype = torch.get_autocast_dtype(device);
        torch.set_autocast_dtype(device, dtype);
        torch.set_autocast_enabled(device, true);
        torch.increment_nesting();
    }

    /** Enters a CPU bf16 region when {@code enabled}; otherwise a no-op, so callers need no branch. */
    public static Autocast bf16(boolean enabled) {
        return enabled ? new Autocast(DeviceType.CPU, ScalarType.BFloat16) : NONE;
    }

    /** Enters a region of {@code dtype} for ops on {@code device}; a no-op for float32. */
    public static Autocast of(DeviceType device, ScalarType dtype) {
        return dtype == ScalarType.Float ? NONE : new Autocast(device, dtype);
    }

    @Override
    public void close() {
        if (device == null) {
            return;
        }
        if (torch.decrement_nesting() == 0) {
            torch.clear_cache();
        }
        torch.set_autocast_enabled(device, wasEnabled);
        torch.set_autocast_dtype(device, previousDtype);
    }
}
