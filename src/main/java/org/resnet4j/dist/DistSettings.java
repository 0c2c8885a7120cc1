package org.resnet4j.dist;

import java.time.Duration;

import picocli.CommandLine.Option;

/**
 * How the processes of a data-parallel run work together. The launcher (torchrun, {@code resnet4j launch}, a
 * PyTorchJob, Slurm) says how many there are; these settings say how long one waits for the others and how gradients
 * travel, as PyTorch's {@code DistributedDataParallel} arguments do.
 */
public record DistSettings(
        @Option(names = "--dist-timeout", paramLabel = "SECONDS", defaultValue = "300",
                description = "how long a process waits for the others at rendezvous and in every collective before"
                        + " it stops, naming the rank it lost (default ${DEFAULT-VALUE})") int distTimeout,
        @Option(names = "--bucket-cap-mb", paramLabel = "MB", defaultValue = "25",
                description = "gradient bucket size of the overlapped all-reduce, DDP's bucket_cap_mb (default"
                        + " ${DEFAULT-VALUE})") int bucketCapMb,
        @Option(names = "--no-broadcast-buffers", negatable = true, defaultValue = "true",
                description = "send rank 0's BatchNorm statistics to every rank at each step, DDP's broadcast_buffers"
                        + " (default: on)") boolean broadcastBuffers) {

    public DistSettings {
        if (distTimeout < 1) {
            throw new IllegalArgumentException("--dist-timeout must be at least 1 second, got " + distTimeout);
        }
        if (bucketCapMb < 1) {
            throw new IllegalArgumentException("--bucket-cap-mb must be at least 1, got " + bucketCapMb);
        }
    }

    public Duration timeout() {
        return Duration.ofSeconds(distTimeout);
    }

    public long bucketCapBytes() {
        return bucketCapMb * 1024L * 1024L;
    }
}
