package org.resnet4j.train;

import static org.resnet4j.train.OptimSettings.require;

import org.resnet4j.engine.Layout;
import org.resnet4j.engine.Precision;

import picocli.CommandLine.Option;

/** How long a run trains, in what batches, arithmetic and layout, and how it evaluates. */
public record RunSettings(
        @Option(names = "--epochs", paramLabel = "N", defaultValue = "100",
                description = "epochs (default ${DEFAULT-VALUE})") int epochs,
        @Option(names = "--batch-size", paramLabel = "N", defaultValue = "128",
                description = "images per step (default ${DEFAULT-VALUE})") int batchSize,
        @Option(names = "--eval-batch-size", paramLabel = "N", defaultValue = "256",
                description = "images per evaluation pass (default ${DEFAULT-VALUE})") int evalBatchSize,
        @Option(names = "--eval-tta", negatable = true,
                description = "evaluate each epoch with flip test-time augmentation") boolean evalTta,
        @Option(names = "--precision", paramLabel = "fp32|bf16|fp16", defaultValue = "fp32",
                description = "fp32 (default), bf16 autocast, or fp16 autocast with loss scaling (CUDA)")
        Precision precision,
        @Option(names = "--layout", paramLabel = "auto|nchw|channels-last", defaultValue = "auto",
                description = "memory layout (default auto: channels-last where it is faster, the 6n+2 nets and"
                        + " basic-block nets in bf16)") Layout layout,
        @Option(names = "--seed", paramLabel = "SEED",
                description = "seed (default: drawn at random and recorded)") Long seed,
        @Option(names = "--deterministic",
                description = "deterministic kernels: a resumed run repeats an uninterrupted one exactly")
        boolean deterministic,
        @Option(names = "--max-steps", paramLabel = "N", defaultValue = "0",
                description = "stop (with a checkpoint) after N steps") long maxSteps,
        @Option(names = "--limit-train-batches", paramLabel = "N", defaultValue = "0",
                description = "train on N batches per epoch") int limitTrainBatches,
        @Option(names = "--limit-eval-batches", paramLabel = "N", defaultValue = "0",
                description = "evaluate on N batches (a fixed sample)") int limitEvalBatches,
        @Option(names = "--accumulate", paramLabel = "N", defaultValue = "1",
                description = "accumulate the gradients of N batches per optimiser step, each loss divided by N"
                        + " (default ${DEFAULT-VALUE}); schedules count optimiser steps") int accumulate,
        @Option(names = "--checkpoint-every", paramLabel = "N", defaultValue = "0",
                description = "also save last.ckpt every N steps within an epoch (default 0: at epoch ends only)")
        long checkpointEvery,
        @Option(names = "--on-nonfinite", paramLabel = "stop|skip", defaultValue = "stop",
                description = "at a NaN or infinite loss, gradient or BatchNorm statistic: stop, keeping the last good"
                        + " checkpoint (default), or skip the step without updating (counted and reported)")
        OnNonFinite onNonfinite,
        @Option(names = "--no-tensorboard", negatable = true, defaultValue = "true",
                description = "write TensorBoard event files into the run folder (default on)") boolean tensorboard) {

    public RunSettings {
        require(epochs >= 1, "--epochs must be at least 1, got " + epochs);
        require(batchSize >= 1, "--batch-size must be at least 1, got " + batchSize);
        require(evalBatchSize >= 1, "--eval-batch-size must be at least 1, got " + evalBatchSize);
        require(maxSteps >= 0 && limitTrainBatches >= 0 && limitEvalBatches >= 0, "limits cannot be negative");
        require(accumulate >= 1, "--accumulate must be at least 1, got " + accumulate);
        require(checkpointEvery >= 0, "--checkpoint-every cannot be negative, got " + checkpointEvery);
    }
}
