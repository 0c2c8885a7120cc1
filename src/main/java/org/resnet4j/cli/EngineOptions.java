package org.resnet4j.cli;

import org.resnet4j.engine.Engine;

import picocli.CommandLine.Option;

/** Options every command that runs libtorch shares. */
final class EngineOptions {
    @Option(names = "--threads", paramLabel = "N",
            description = "libtorch intra-op threads (default: one per core, ${DEFAULT-VALUE} here)")
    int threads = Runtime.getRuntime().availableProcessors();

    void start() {
        if (threads < 1) {
            throw new IllegalArgumentException("--threads must be at least 1, got " + threads);
        }
        Engine.start(threads);
    }
}
