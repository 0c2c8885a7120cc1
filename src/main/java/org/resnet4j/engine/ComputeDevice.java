package org.resnet4j.engine;

import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch.DeviceType;

/**
 * A device tensors live and compute on: the CPU or one CUDA device. Batches are assembled in host memory and
 * {@link #put} on the device; on the CPU that is the tensor itself, so the CPU path copies and allocates nothing more.
 */
public final class ComputeDevice {
    public static final ComputeDevice CPU = new ComputeDevice(-1);

    /** -1 for the CPU, else the CUDA device number. */
    private final int cudaIndex;
    private volatile Device device;

    private ComputeDevice(int cudaIndex) {
        this.cudaIndex = cudaIndex;
    }

    /** CUDA device {@code index}; {@link Devices#resolve} checks that it exists. */
    public static ComputeDevice cuda(int index) {
        if (index < 0 || index > DeviceChoice.MAX_INDEX) {
            throw new IllegalArgumentException("no CUDA device number " + index);
        }
        return new ComputeDevice(index);
    }

    /** The device of {@code module}'s parameters (the CPU for a module without any). */
    public static ComputeDevice of(Module module) {
        TensorVector params = module.parameters();
        if (params.size() == 0) {
            return CPU;
        }
        Device d = params.get(0).device();
        return d.is_cuda() ? cuda(Math.max(0, d.index())) : CPU;
    }

    public boolean isCuda() {
        return cudaIndex >= 0;
    }

    /** The CUDA device number; -1 for the CPU. */
    public int index() {
        return cudaIndex;
    }

    public DeviceType type() {
        return isCuda() ? DeviceType.CUDA : DeviceType.CPU;
    }

    /** libtorch's handle of this device. */
    public Device torchDevice() {
        Device d = device;
        if (d == null) {
            d = isCuda() ? new Device(DeviceType.CUDA, (byte) cudaIndex) : new Device(DeviceType.CPU);
            device = d;
        }
        return d;
    }

    /**
     * {@code t} on this device. A host tensor bound for CUDA is pinned (page-locked) first so that the copy runs
     * asynchronously, as PyTorch's {@code DataLoader(pin_memory=True)} and {@code .to(device, non_blocking=True)} do;
     * kernels queued after it on the same stream wait for it. On the CPU, and for a tensor already on a device,
     * {@code t} itself.
     */
    public Tensor put(Tensor t) {
        if (!isCuda() || !t.is_cpu()) {
            return t;
        }
        Tensor pinned = t.is_pinned() ? t : t.pin_memory();
        return pinned.to(torchDevice(), pinned.scalar_type(), true, false, new MemoryFormatOptional());
    }

    /** {@code t} in host memory: itself when it is there already. */
    public static Tensor toHost(Tensor t) {
        return t.is_cpu() ? t : t.cpu();
    }

    /** Moves {@code module}'s parameters and buffers here, in place (their tensors keep their identity). */
    public void move(Module module) {
        if (!of(module).equals(this)) {
            module.to(torchDevice(), false);
        }
    }

    /**
     * The c10d backend for a process group of processes computing on this device: NCCL between CUDA devices, Gloo
     * on the CPU, as {@code torch.distributed.init_process_group} picks by default.
     */
    public String distributedBackend() {
        return isCuda() ? "nccl" : "gloo";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ComputeDevice d && d.cudaIndex == cudaIndex;
    }

    @Override
    public int hashCode() {
        return cudaIndex;
    }

    /** {@code cpu} or {@code cuda:N}, as PyTorch writes devices. */
    @Override
    public String toString() {
        return isCuda() ? "cuda:" + cudaIndex : "cpu";
    }
}
