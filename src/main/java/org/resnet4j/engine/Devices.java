package org.resnet4j.engine;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.pytorch.Context;
import org.bytedeco.pytorch.global.torch;

/**
 * What libtorch can compute on here, and the choice of device: {@code auto} takes CUDA device 0 when libtorch sees
 * one and the CPU otherwise; {@code cuda} on a machine without one is refused in one line.
 */
public final class Devices {
    private Devices() {
    }

    /** Whether the libtorch natives on the class path were built with CUDA (the {@code -gpu} classifier). */
    public static boolean cudaBuild() {
        Engine.start();
        return torch.hasCUDA();
    }

    /** The CUDA devices libtorch sees (0 with CPU-only natives, without a driver, or with none visible). */
    public static int cudaDeviceCount() {
        return cudaBuild() ? torch.cuda_device_count() : 0;
    }

    /**
     * The device {@code choice} names on this machine. {@code auto} without CUDA hands {@code notes} one line saying
     * it runs on the CPU.
     *
     * @throws DeviceUnavailableException when a CUDA device is asked for that libtorch does not see
     */
    public static ComputeDevice resolve(DeviceChoice choice, Consumer<String> notes) {
        return switch (choice.kind()) {
            case CPU -> ComputeDevice.CPU;
            case AUTO -> {
                if (cudaDeviceCount() > 0) {
                    yield ComputeDevice.cuda(0);
                }
                notes.accept("--device auto: " + whyNoCuda() + "; running on the CPU");
                yield ComputeDevice.CPU;
            }
            case CUDA -> {
                int n = cudaDeviceCount();
                if (n == 0) {
                    throw new DeviceUnavailableException("--device " + choice + ": " + whyNoCuda());
                }
                if (choice.index() >= n) {
                    throw new DeviceUnavailableException("--device " + choice + ": libtorch sees " + n
                            + " CUDA device(s), cuda:0" + (n > 1 ? " to cuda:" + (n - 1) : ""));
                }
                yield ComputeDevice.cuda(choice.index());
            }
        };
    }

    /** Whether the CUDA build of the libtorch natives (-Pgpu) is on the class path, loaded or not. */
    public static boolean gpuNativesPresent() {
        return torch.class.getResource("/org/bytedeco/pytorch/" + Loader.getPlatform() + "-gpu/") != null;
    }

    private static String whyNoCuda() {
        if (cudaBuild()) {
            return "libtorch sees no CUDA device (check the driver and CUDA_VISIBLE_DEVICES)";
        }
        if (gpuNativesPresent()) {
            // JavaCPP skips libtorch_cuda quietly when its libraries are missing, and libtorch then runs CPU-only
            return "the CUDA build of libtorch is here but its CUDA part did not load: cuBLAS, cuSPARSE, cuSOLVER,"
                    + " cuDNN and NCCL must be on the library path (CUDA 13.1 and cuDNN 9.19, see docs/devices.md)";
        }
        return "this build has CPU-only libtorch natives (" + Loader.getPlatform() + "); build with -Pgpu for CUDA";
    }

    /**
     * Sets cuDNN's flags as PyTorch's {@code torch.backends.cudnn.benchmark} and {@code .deterministic} do:
     * benchmark mode times the candidate kernels for each new input shape and keeps the fastest; deterministic mode
     * allows only kernels that give the same result run after run (and turns benchmark mode off, whose choice can
     * change between runs). Harmless without CUDA.
     */
    public static void configureCudnn(boolean benchmark, boolean deterministic) {
        Engine.start();
        Context ctx = torch.globalContext();
        ctx.setDeterministicCuDNN(deterministic);
        ctx.setBenchmarkCuDNN(benchmark && !deterministic);
    }

    /** The devices, CUDA and cuDNN versions, for {@code resnet4j info}. */
    public static Map<String, Object> describe() {
        Map<String, Object> out = new LinkedHashMap<>();
        boolean build = cudaBuild();
        out.put("cuda_build", build);
        List<String> devices = new ArrayList<>();
        devices.add("cpu");
        if (!build) {
            out.put("cuda", gpuNativesPresent() ? "not loaded (" + whyNoCuda() + ")"
                    : "none (CPU-only build of the libtorch natives, " + Loader.getPlatform() + ")");
            out.put("cudnn", "none");
        } else {
            out.put("cuda", Context.hasCUDART() ? version(Context.versionCUDART(), 1000, 10) : "no CUDA runtime");
            out.put("cudnn", Context.hasCuDNN() ? version(Context.versionCuDNN(), 10000, 100) : "none");
            int n = cudaDeviceCount();
            for (int i = 0; i < n; i++) {
                devices.add("cuda:" + i + CudaProperties.describe(i));
            }
            if (n == 0) {
                out.put("cuda_devices", "none visible");
            }
        }
        out.put("devices", devices);
        out.put("dist_backend", (cudaDeviceCount() > 0 ? ComputeDevice.cuda(0) : ComputeDevice.CPU)
                .distributedBackend());
        return out;
    }

    /** CUDA writes versions as one number: 12040 is 12.4 (major * 1000 + minor * 10); cuDNN 90100 is 9.1.0. */
    static String version(long v, int majorUnit, int minorUnit) {
        long major = v / majorUnit;
        long minor = v % majorUnit / minorUnit;
        return majorUnit == 1000 ? major + "." + minor : major + "." + minor + "." + v % minorUnit;
    }

    /**
     * Device names and memory, read through the presets' CUDA classes, which need {@code org.bytedeco:cuda} (only in
     * the {@code -Pgpu} build): looked up at run time, so the CPU-only build compiles and never loads them.
     */
    private static final class CudaProperties {
        static String describe(int index) {
            try {
                Object p = Class.forName("org.bytedeco.pytorch.global.torch_cuda")
                        .getMethod("getDeviceProperties", byte.class).invoke(null, (byte) index);
                Object name = p.getClass().getMethod("name").invoke(p);
                long memory = (Long) p.getClass().getMethod("totalGlobalMem").invoke(p);
                int major = (Integer) p.getClass().getMethod("major").invoke(p);
                int minor = (Integer) p.getClass().getMethod("minor").invoke(p);
                return String.format(java.util.Locale.ROOT, " (%s, %.1f GiB, compute capability %d.%d)",
                        ((org.bytedeco.javacpp.BytePointer) name).getString(), memory / (double) (1L << 30), major,
                        minor);
            } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
                return "";
            }
        }
    }
}
