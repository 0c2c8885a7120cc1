package org.resnet4j.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.IntConsumer;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.resnet4j.data.DataConfig;
import org.resnet4j.data.Dataset;
import org.resnet4j.data.DatasetKind;
import org.resnet4j.data.Datasets;
import org.resnet4j.data.Normalization;
import org.resnet4j.data.Preprocessing;
import org.resnet4j.data.Split;
import org.resnet4j.eval.EvalResult;
import org.resnet4j.eval.Evaluator;
import org.resnet4j.eval.OnnxRuntimeModel;
import org.resnet4j.io.Weights;
import org.resnet4j.model.ResNet;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Loss, top-1 and top-5 accuracy, per-class figures and the confusion matrix of trained weights"
                + " on a dataset split.")
final class EvalCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    EngineOptions engine;

    @Mixin
    WeightsOptions source;

    @Mixin
    DataOptions data;

    @Option(names = "--split", defaultValue = "test", paramLabel = "SPLIT",
            description = "train, val or test (default ${DEFAULT-VALUE})")
    String split;

    @Option(names = "--batch-size", defaultValue = "256", paramLabel = "N",
            description = "images per forward pass (default ${DEFAULT-VALUE})")
    int batchSize;

    @Option(names = "--tta", description = "test-time augmentation: average the softmax of each image and its mirror")
    boolean tta;

    @Option(names = "--precision", defaultValue = "fp32", paramLabel = "fp32|bf16", description = "default"
            + " ${DEFAULT-VALUE}")
    String precision;

    @Option(names = "--json", description = "print one JSON object: loss, top1, top5 (fractions), n, per_class,"
            + " confusion")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Split.parse(split);
        boolean bf16 = switch (precision.toLowerCase(Locale.ROOT)) {
            case "fp32" -> false;
            case "bf16" -> true;
            default -> throw new IllegalArgumentException("--precision must be fp32 or bf16, not '" + precision + "'");
        };
        engine.start();
        if (OnnxRuntimeModel.isOnnxName(source.weights)) {
            if (bf16) {
                throw new IllegalArgumentException("--precision bf16 applies to resnet4j models; ONNX Runtime runs the"
                        + " file's own float32 graph");
            }
            if (source.model != null) {
                throw new IllegalArgumentException("--model names the variant of a state dict; an ONNX file holds its"
                        + " own graph");
            }
            try (OnnxRuntimeModel onnx = OnnxRuntimeModel.open(source.weights, engine.threads)) {
                DataConfig config = data.configFor(source.weights, onnx.preprocessing(), onnx.inputShape());
                Normalization norm = onnx.inputNormalization(config.normalization());
                return evaluate(onnx.modelName(), onnx.classNames(), config, false,
                        (e, d, p) -> e.evaluate(onnx, d, norm, p));
            }
        }
        Weights.LoadedModel loaded = source.load();
        ResNet net = loaded.net();
        Preprocessing prep = loaded.preprocessing();
        DataConfig config = data.configFor(source.weights, loaded);
        Normalization norm = prep != null ? prep.normalization() : config.normalization();
        return evaluate(net.options().name(), loaded.classNames(), config, bf16,
                (e, d, p) -> e.evaluate(net, d, norm, p));
    }

    /** How one kind of model is evaluated on the loaded data. */
    private interface Evaluation {
        EvalResult run(Evaluator evaluator, Dataset data, IntConsumer progress);
    }

    private int evaluate(String name, List<String> classNames, DataConfig config, boolean bf16, Evaluation how)
            throws java.io.IOException {
        Split s = Split.parse(split);
        DatasetKind kind = config.kind();
        Dataset dataset = Datasets.load(config, s, DataOptions.listener(spec.commandLine().getErr()));
        if (!classNames.isEmpty() && !classNames.equals(dataset.classNames())) {
            spec.commandLine().getErr().println("note: the model's classes " + classNames + " differ from"
                    + " the data's " + dataset.classNames() + "; labels are compared by index");
        }
        Progress progress = Progress.start(spec.commandLine().getErr(), "eval", dataset.size(), "images");
        EvalResult r = how.run(new Evaluator(batchSize, data.workers(), tta, bf16), dataset, progress::update);
        progress.finish();
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Json.print(out, toJson(r, name, kind, s));
        } else {
            print(out, r, name, kind, s);
        }
        return 0;
    }

    private static ObjectNode toJson(EvalResult r, String model, DatasetKind kind, Split s) {
        ObjectNode o = Json.object();
        o.put("model", model);
        o.put("dataset", kind.id());
        o.put("split", s.label());
        o.put("tta", r.flipTta() ? "horizontal flip" : "none");
        o.put("loss", r.loss());
        o.put("top1", r.top1());
        o.put("top5", r.top5());
        o.put("n", r.n());
        ArrayNode pc = o.putArray("per_class");
        for (EvalResult.ClassMetrics m : r.perClass()) {
            ObjectNode c = pc.addObject();
            c.put("class", m.name());
            c.put("support", m.support());
            c.put("precision", m.precision());
            c.put("recall", m.recall());
            c.put("f1", m.f1());
            c.put("accuracy", m.accuracy());
        }
        r.classNames().forEach(o.putArray("class_names")::add);
        ArrayNode cm = o.putArray("confusion");
        for (long[] row : r.confusion()) {
            ArrayNode a = cm.addArray();
            for (long v : row) {
                a.add(v);
            }
        }
        return o;
    }

    private static void print(PrintWriter out, EvalResult r, String model, DatasetKind kind, Split s) {
        out.printf(Locale.ROOT, "%s on %s %s (%d images)%s: loss %.4f, top-1 %.2f%%, top-5 %.2f%%%n", model, kind.id(),
                s.label(), r.n(), r.flipTta() ? ", flip TTA" : "", r.loss(), 100 * r.top1(), 100 * r.top5());
        List<EvalResult.ClassMetrics> pc = r.perClass();
        out.printf("%-16s %8s %10s %8s %8s %9s%n", "class", "images", "precision", "recall", "f1", "accuracy");
        for (EvalResult.ClassMetrics m : pc) {
            out.printf(Locale.ROOT, "%-16s %8d %9.2f%% %7.2f%% %7.2f%% %8.2f%%%n", abbreviate(m.name(), 16),
                    m.support(), 100 * m.precision(), 100 * m.recall(), 100 * m.f1(), 100 * m.accuracy());
        }
        if (r.confusion().length > 20) {
            out.println("(confusion matrix: " + r.confusion().length + " classes; see --json)");
            return;
        }
        out.println("confusion matrix (rows: true class, columns: predicted):");
        StringBuilder head = new StringBuilder(String.format("%-16s", ""));
        for (int c = 0; c < r.confusion().length; c++) {
            head.append(String.format("%6d", c));
        }
        out.println(head);
        for (int c = 0; c < r.confusion().length; c++) {
            StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%-16s", abbreviate(c + " "
                    + pc.get(c).name(), 16)));
            for (long v : r.confusion()[c]) {
                row.append(String.format("%6d", v));
            }
            out.println(row);
        }
    }

    private static String abbreviate(String s, int n) {
        return s.length() <= n ? s : s.substring(0, n - 1) + "…";
    }
}
