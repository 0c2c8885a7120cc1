package org.resnet4j.cli;

import java.io.IOException;
import java.nio.file.Path;

import org.resnet4j.io.ModelLoader;

import picocli.CommandLine.Option;

/** The trained weights a command works on, and the variant when the file does not name it. */
final class WeightsOptions {
    @Option(names = "--weights", required = true, paramLabel = "FILE",
            description = "resnet4j checkpoint, safetensors file or torch.save state dict (.pt/.pth); eval also runs"
                    + " ONNX files (.onnx)")
    Path weights;

    @Option(names = "--model", paramLabel = "NAME",
            description = "variant; needed when the weights do not name it (a state dict from PyTorch)")
    String model;

    @Option(names = "--use-ema", description = "a checkpoint's moving average of the weights (--ema-decay)"
            + " instead of its trained weights, as timm's --use-ema")
    boolean useEma;

    ModelLoader.LoadedModel load() throws IOException {
        return ModelLoader.load(weights, model, useEma);
    }
}
