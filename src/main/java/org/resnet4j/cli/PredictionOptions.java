package org.resnet4j.cli;

import java.io.IOException;

import org.resnet4j.data.DatasetKind;
import org.resnet4j.engine.ComputeDevice;
import org.resnet4j.eval.Predictor;
import org.resnet4j.io.ModelLoader;

import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Which trained model to load for prediction, and how to prepare images when its file does not say. */
final class PredictionOptions {
    @Mixin
    WeightsOptions source;

    @Option(names = "--dataset", paramLabel = "NAME",
            description = "the dataset whose normalisation applies to weights that do not record theirs (default"
                    + " cifar10); for features --split, the dataset to read (default: the model's)")
    String dataset;

    /** The model, moved to {@code device}, ready to predict; fused for inference where it can be and {@code fuse}. */
    Predictor load(ComputeDevice device, boolean fuse) throws IOException {
        ModelLoader.LoadedModel m = source.load();
        device.move(m.net());
        return Predictor.of(m, DatasetKind.parse(dataset == null ? "cifar10" : dataset), fuse);
    }
}
