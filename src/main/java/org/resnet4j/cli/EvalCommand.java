package org.resnet4j.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.resnet4j.data.DataConfig;
import org.resnet4j.data.DataSettings;
import org.resnet4j.data.Dataset;
import org.resnet4j.data.DatasetKind;
import org.resnet4j.data.Datasets;
import org.resnet4j.data.Normalization;
import org.resnet4j.data.Preprocessing;
import org.resnet4j.data.Split;
import org.resnet4j.engine.EngineSettings;
import org.resnet4j.engine.Precision;
import org.resnet4j.eval.EvalData;
import org.resnet4j.eval.EvalResult;
import org.resnet4j.eval.Evaluator;
import org.resnet4j.io.ModelLoader;
import org.resnet4j.model.ResNet;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Loss, top-1 and top-5 accuracy, per-class figures and the confusion matrix of trained weights"
                + " on a dataset split.")
final class EvalCommand extends SettingsCommand implements Callable<Integer> {
    @Mixin
    WeightsOptions source;

    @Option(names = "--split", defaultValue = "test", paramLabel = "SPLIT",
            description = "train, val or test (default ${DEFAULT-VALUE})")
    Split split;

    @Option(names = "--batch-size", defaultValue = "256", paramLabel = "N",
            description = "images per forward pass (default ${DEFAULT-VALUE})")
    int batchSize;

    @Option(names = "--tta", description = "test-time augmentation: average the softmax of each image and its mirror")
    boolean tta;

    @Option(names = "--precision", defaultValue = "fp32", paramLabel = "fp32|bf16", description = "default"
            + " ${DEFAULT-VALUE}")
    Precision precision;

    @Option(names = "--json", description = "print one JSON object: loss, top1, top5 (fractions), n, per_class,"
            + " confusion")
    boolean json;

    @Override
    List<Class<? extends Record>> settingsTypes() {
        return List.of(EngineSettings.class, DataSettings.class);
    }

    @Override
    public Integer call() throws Exception {
        Split s = split;
        settings(EngineSettings.class).start();
        ModelLoader.LoadedModel loaded = source.load();
        ResNet net = loaded.net();
        Preprocessing prep = loaded.preprocessing();
        DataSettings data = settings(EvalData.base(source.weights, loaded, typed("--dataset") || typed("--data-dir")));
        DataConfig config = EvalData.resolve(data, loaded);
        DatasetKind kind = config.kind();
        Normalization norm = prep != null ? prep.normalization() : config.normalization();
        Dataset dataset = Datasets.load(config, s, new DownloadProgress(spec.commandLine().getErr()));
        if (!loaded.classNames().isEmpty() && !loaded.classNames().equals(dataset.classNames())) {
            spec.commandLine().getErr().println("note: the model's classes " + loaded.classNames() + " differ from"
                    + " the data's " + dataset.classNames() + "; labels are compared by index");
        }
        Progress progress = Progress.start(spec.commandLine().getErr(), "eval", dataset.size(), "images");
        EvalResult r = new Evaluator(batchSize, data.dataWorkers(), tta, precision).evaluate(net, dataset, norm,
                progress::update);
        progress.finish();
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Json.print(out, toJson(r, net.options().name(), kind, s));
        } else {
            print(out, r, net.options().name(), kind, s);
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
