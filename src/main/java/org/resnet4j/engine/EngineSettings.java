package org.resnet4j.engine;

import java.util.Set;

import org.resnet4j.dist.LaunchEnvironment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import picocli.CommandLine.Option;

/** How libtorch runs, for every command that computes. */
public record EngineSettings(
        @Option(names = "--threads", paramLabel = "N", defaultValue = "0",
                description = "libtorch intra-op threads (default 0: one per core, shared out among the processes a"
                        + " launcher starts on the machine)") int threads,
        @Option(names = "--device", paramLabel = "cpu|cuda|cuda:N|auto", defaultValue = "auto",
                description = "where to compute (default auto: CUDA device 0 when libtorch sees one, else the CPU)")
        DeviceChoice device,
        @Option(names = "--cudnn-benchmark",
                description = "CUDA: let cuDNN time its kernels for each input shape and keep the fastest (off with"
                        + " --deterministic)") boolean cudnnBenchmark) {

    private static final Logger LOG = LoggerFactory.getLogger(EngineSettings.class);

    /** The settings of the device, for commands that compute nothing on one to leave out. */
    public static final Set<String> DEVICE_SETTINGS = Set.of("device", "cudnnBenchmark");

    public EngineSettings {
        if (threads < 0) {
            throw new IllegalArgumentException("--threads must be at least 1 (or 0 for one per core), got " + threads);
        }
        if (device == null) {
            device = DeviceChoice.AUTO;
        }
    }

    /** Starts libtorch with these settings. */
    public void start() {
        Engine.start(threads > 0 ? threads : Math.max(1, Runtime.getRuntime().availableProcessors()
                / LaunchEnvironment.current().map(LaunchEnvironment::localWorldSize).orElse(1)));
    }

    /**
     * Starts libtorch and resolves {@link #device()}, setting cuDNN's flags for it ({@code deterministic} as
     * {@code --deterministic} asks).
     *
     * @throws DeviceUnavailableException when the device asked for is not here
     */
    public ComputeDevice startOnDevice(boolean deterministic) {
        start();
        // auto on a CPU-only build can only mean the CPU: that is said once in debug output, not on every command
        boolean cudaBuild = Devices.cudaBuild();
        ComputeDevice d = Devices.resolve(device, note -> {
            if (cudaBuild) {
                LOG.info(note);
            } else {
                LOG.debug(note);
            }
        });
        if (d.isCuda()) {
            Devices.configureCudnn(cudnnBenchmark, deterministic);
        }
        return d;
    }

    /** {@link #startOnDevice(boolean)} outside deterministic mode. */
    public ComputeDevice startOnDevice() {
        return startOnDevice(false);
    }
}
