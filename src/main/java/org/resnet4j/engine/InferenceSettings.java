package org.resnet4j.engine;

import picocli.CommandLine.Option;

/** How a trained model runs inference, for every command that runs one (eval, predict, serve, features, bench). */
public record InferenceSettings(
        @Option(names = "--no-fuse", negatable = true, defaultValue = "true",
                description = "inference on the CPU: run each convolution of a post-activation net with its folded"
                        + " BatchNorm, its ReLU and the residual add fused into one oneDNN kernel, weights prepacked"
                        + " (default on)") boolean fuse) {
}
