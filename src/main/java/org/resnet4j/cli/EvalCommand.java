package org.resnet4j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.node.ObjectNode;

import org.resnet4j.data.DataConfig;
import org.resnet4j.data.Dataset;
import org.resnet4j.data.DatasetKind;
import org.resnet4j.data.Datasets;
import org.resnet4j.data.Split;
import org.resnet4j.eval.EvalResult;
import org.resnet4j.eval.Evaluator;
import org.resnet4j.io.Weights;
import org.resnet4j.model.ModelOptions;
import org.resnet4j.model.Shape;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Loss, top-1 and top-5 accuracy of trained weights on a dataset split.")
final class EvalCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    EngineOptions engine;

    @Option(names = "--model", paramLabel = "NAME",
            description = "variant; needed when the weights do not name it (a state dict from PyTorch)")
    String model;

    @Option(names = "--weights", required = true, paramLabel = "FILE",
            description = "safetensors file, torch.save state dict (.pt/.pth) or resnet4j checkpoint")
    Path weights;

    @Mixin
    DataOptions data;

    @Option(names = "--split", defaultValue = "test", paramLabel = "SPLIT",
            description = "train, val or test (default ${DEFAULT-VALUE})")
    String split;

    @Option(names = "--batch-size", defaultValue = "256", paramLabel = "N",
            description = "images per forward pass (default ${DEFAULT-VALUE})")
    int batchSize;

    @Option(names = "--json", description = "print one JSON object: loss, top1, top5 (fractions), n")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Split s = Split.parse(split);
        DatasetKind kind = data.kind();
        engine.start();
        Weights.LoadedModel loaded = Weights.loadModel(weights, model);
        ModelOptions mo = loaded.net().options();
        Shape input = new Shape(mo.inChannels(), mo.architecture().defaultInput().height(),
                mo.architecture().defaultInput().width());
        DataConfig config = data.config(input);
        Dataset dataset = Datasets.load(config, s, DataOptions.listener(spec.commandLine().getErr()));
        Progress progress = Progress.start(spec.commandLine().getErr(), "eval", dataset.size(), "images");
        EvalResult r = new Evaluator(batchSize, data.workers).evaluate(loaded.net(), dataset, config.normalization(),
                progress::update);
        progress.finish();
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            ObjectNode o = Json.object();
            o.put("model", loaded.net().options().name());
            o.put("dataset", kind.id());
            o.put("split", s.label());
            o.put("loss", r.loss());
            o.put("top1", r.top1());
            o.put("top5", r.top5());
            o.put("n", r.n());
            Json.print(out, o);
        } else {
            out.printf(Locale.ROOT, "%s on %s %s (%d images): loss %.4f, top-1 %.2f%%, top-5 %.2f%%%n",
                    loaded.net().options().name(), kind.id(), s.label(), r.n(), r.loss(), 100 * r.top1(),
                    100 * r.top5());
        }
        return 0;
    }
}
