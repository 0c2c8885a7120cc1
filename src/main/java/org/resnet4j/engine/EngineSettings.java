package org.resnet4j.engine;

import org.resnet4j.dist.LaunchEnvironment;

import picocli.CommandLine.Option;

/** How libtorch runs, for every command that computes. */
public record EngineSettings(
        @Option(names = "--threads", paramLabel = "N", defaultValue = "0",
                description = "libtorch intra-op threads (default 0: one per core, shared out among the processes a"
                        + " launcher starts on the machine)") int threads) {

    public EngineSettings {
        if (threads < 0) {
            throw new IllegalArgumentException("--threads must be at least 1 (or 0 for one per core), got " + threads);
        }
    }

    /** Starts libtorch with these settings. */
    public void start() {
        Engine.start(threads > 0 ? threads : Math.max(1, Runtime.getRuntime().availableProcessors()
                / LaunchEnvironment.current().map(LaunchEnvironment::localWorldSize).orElse(1)));
    }
}
