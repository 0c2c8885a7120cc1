package org.resnet4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.IntConsumer;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.resnet4j.data.BatchSource;
import org.resnet4j.data.DataConfig;
import org.resnet4j.data.DataSettings;
import org.resnet4j.data.DatasetKind;
import org.resnet4j.data.DistributedSampler;
import org.resnet4j.data.EvalSplit;
import org.resnet4j.data.Normalization;
import org.resnet4j.data.Preprocessing;
import org.resnet4j.data.Split;
import org.resnet4j.data.transform.EvalTransform;
import org.resnet4j.dist.ShardedResults;
import org.resnet4j.dist.WorkerGroup;
import org.resnet4j.engine.Engine;
import org.resnet4j.engine.ComputeDevice;
import org.resnet4j.engine.EngineSettings;
import org.resnet4j.engine.InferenceSettings;
import org.resnet4j.engine.Precision;
import org.resnet4j.eval.EvalData;
import org.resnet4j.eval.EvalResult;
import org.resnet4j.eval.Evaluator;
import org.resnet4j.eval.OnnxRuntimeModel;
import org.resnet4j.io.ModelLoader;
import org.resnet4j.model.ResNet;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Loss, top-1 and top-5 accuracy, per-class figures and the confusion matrix of trained weights"
                + " (a resnet4j checkpoint, a state dict, or an ONNX file run by ONNX Runtime) on a dataset split.")
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
        return List.of(EngineSettings.class, InferenceSettings.class, DataSettings.class);
    }

    @Override
    public Integer call() throws Exception {
        EngineSettings engine = settings(EngineSettings.class);
        engine.start();
        boolean otherData = typed("--dataset") || typed("--data-dir");
        if (OnnxRuntimeModel.isOnnxName(source.weights)) {
            if (precision != Precision.FP32) {
                throw new IllegalArgumentException("--precision bf16 applies to resnet4j models; ONNX Runtime runs the"
                        + " file's own float32 graph");
            }
            if (source.model != null) {
                throw new IllegalArgumentException("--model names the variant of a state dict; an ONNX file holds its"
                        + " own graph");
            }
            try (OnnxRuntimeModel onnx = OnnxRuntimeModel.open(source.weights, Engine.threads())) {
                DataSettings data = settings(EvalData.base(source.weights, onnx.preprocessing(), otherData));
                DataConfig config = EvalData.resolve(data, onnx.preprocessing(), onnx.inputShape());
                Normalization norm = onnx.inputNormalization(config.normalization());
                return evaluate(new Model(onnx.modelName(), onnx.classNames(), onnx.numClasses(), onnx.inChannels(),
                        onnx.channelsLast(), (e, d, p) -> e.evaluate(onnx, d, p)), config, data,
                        onnx.preprocessing() != null ? onnx.preprocessing().evalTransform() : null, norm);
            }
        }
        ComputeDevice device = engine.startOnDevice();
        ModelLoader.LoadedModel loaded = source.load();
        ResNet net = loaded.net();
        device.move(net);
        if (settings(InferenceSettings.class).fuse()) {
            net.fuseWherePossible();
        }
        Preprocessing prep = loaded.preprocessing();
        DataSettings data = settings(EvalData.base(source.weights, prep, otherData));
        DataConfig config = EvalData.resolve(data, prep, EvalData.defaultInput(net));
        Normalization norm = prep != null ? prep.normalization() : config.normalization();
        return evaluate(new Model(net.options().name(), loaded.classNames(), net.options().numClasses(),
                net.options().inChannels(), net.isChannelsLast(), (e, d, p) -> e.evaluate(net, d, p)), config, data,
                loaded.evalTransform(), norm);
    }

    /** How one kind of model is evaluated on batches of the data. */
    private interface Evaluation {
        EvalResult run(Evaluator evaluator, BatchSource data, IntConsumer progress);
    }

    /** The model evaluated: what it is called, its classes and input, and how it runs. */
    private record Model(String name, List<String> classNames, int classes, int channels, boolean channelsLast,
            Evaluation how) {
    }

    /**
     * Evaluates on the split, held in memory or streamed as {@code --storage} asks; started by a launcher, each
     * process evaluates its share of the images and rank 0 reports the whole split's figures. Folder images are
     * prepared by {@code resizeCrop} when the weights come with one (pretrained weights: as they were measured),
     * else fitted to the input size.
     */
    private int evaluate(Model model, DataConfig config, DataSettings data, EvalTransform resizeCrop,
            Normalization norm) throws IOException {
        DatasetKind kind = config.kind();
        try (WorkerGroup group = WorkerGroup.fromEnvironment(Duration.ofMinutes(5))) {
            PrintWriter err = group.isRankZero() ? spec.commandLine().getErr() : new PrintWriter(Writer.nullWriter());
            EvalSplit images = group.agree("load the " + split.label() + " data", () -> EvalSplit.open(config,
                    data.storage(), split, resizeCrop, new DownloadProgress(spec.commandLine().getErr())));
            if (resizeCrop != null && (kind == DatasetKind.FOLDER || kind == DatasetKind.SHARDS)) {
                err.println("images prepared as the weights were evaluated: " + resizeCrop.atCrop(config.height()));
            }
            if (images.storage() != null) {
                err.println("images " + images.storage());
            }
            if (!model.classNames().isEmpty() && !model.classNames().equals(images.classNames())) {
                err.println("note: the model's classes " + model.classNames() + " differ from the data's "
                        + images.classNames() + "; labels are compared by index");
            }
            Evaluator.checkCompatible(model.classes(), model.channels(), images.classNames().size(), images.channels());
            // a rank can fail here alone (shards too few for every rank)
            try (BatchSource batches = group.agree("share out the " + split.label() + " data", () -> images.batches(
                    batchSize, data.dataWorkers(), norm, model.channelsLast(), DistributedSampler.evaluation(
                            group.rank(), group.size())))) {
                Progress progress = Progress.start(err, "eval", batches.images(), "images");
                EvalResult r = ShardedResults.combined(model.how().run(new Evaluator(batchSize, data.dataWorkers(),
                        tta, precision), batches, progress::update), group, "the evaluation");
                progress.finish();
                if (group.isRankZero()) {
                    report(r, model.name(), kind);
                }
            }
        }
        return 0;
    }

    private void report(EvalResult r, String name, DatasetKind kind) {
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Json.print(out, toJson(r, name, kind, split));
        } else {
            print(out, r, name, kind, split);
        }
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
