package org.resnet4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Optional;

import org.resnet4j.io.ModelLoader;
import org.resnet4j.io.PretrainedWeights;
import org.resnet4j.io.WeightsCache;

import picocli.CommandLine.Option;

/** The trained weights a command works on, and the variant when the file does not name it. */
final class WeightsOptions {
    @Option(names = "--weights", required = true, paramLabel = "FILE|NAME",
            description = "resnet4j checkpoint, safetensors file or torch.save state dict (.pt/.pth); eval also runs"
                    + " ONNX files (.onnx); or torchvision's ImageNet weights by name, downloaded once"
                    + " (imagenet_resnet50.IMAGENET1K_V2, imagenet_resnet50.DEFAULT, ...)")
    Path weights;

    @Option(names = "--model", paramLabel = "NAME",
            description = "variant; needed when the weights do not name it (a state dict from PyTorch)")
    String model;

    @Option(names = "--use-ema", description = "a checkpoint's moving average of the weights (--ema-decay)"
            + " instead of its trained weights, as timm's --use-ema")
    boolean useEma;

    ModelLoader.LoadedModel load() throws IOException {
        DownloadProgress progress = new DownloadProgress(new PrintWriter(System.err, true));
        String name = weights.getFileName().toString();
        Optional<PretrainedWeights> pretrained = ModelLoader.pretrained(weights);
        ModelLoader.LoadedModel m = ModelLoader.load(weights, model, useEma, (done, total) -> progress.downloading(
                name, done, total));
        if (pretrained.isPresent()) {
            weights = WeightsCache.standard().path(pretrained.get()); // the file from here on
        }
        return m;
    }
}
