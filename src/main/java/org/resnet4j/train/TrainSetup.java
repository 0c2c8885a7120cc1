package org.resnet4j.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.UnaryOperator;

import org.bytedeco.pytorch.Optimizer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.resnet4j.data.BatchSource;
import org.resnet4j.data.DataConfig;
import org.resnet4j.data.DataSource;
import org.resnet4j.data.Datasets;
import org.resnet4j.data.Preprocessing;
import org.resnet4j.data.Split;
import org.resnet4j.engine.ComputeDevice;
import org.resnet4j.engine.Engine;
import org.resnet4j.eval.Evaluator;
import org.resnet4j.io.LoadReport;
import org.resnet4j.io.StateDict;
import org.resnet4j.io.Weights;
import org.resnet4j.io.WeightsFormatException;
import org.resnet4j.io.WeightsMismatchException;
import org.resnet4j.model.ResNet;
import org.resnet4j.model.ResNets;

/**
 * Assembles what a run trains with from its {@link TrainConfig}: the engine, the data, the model (fresh, fine-tuned
 * from weights, or restored from a checkpoint), its layout, the optimiser, the loader and the schedule. The command
 * line, the experiments and Java users start and resume runs here.
 */
public final class TrainSetup {
    private TrainSetup() {
    }

    /**
     * Starts a new run of {@code config} in {@code out}, which must not hold a checkpoint (what a run left before its
     * first one is started afresh).
     */
    public static Trainer start(TrainConfig config, Path out, TrainListener listener) throws IOException {
        String leftovers = RunDirectory.leftovers(out);
        return start(config, out, listener, leftovers == null ? List.of() : List.of(leftovers));
    }

    private static Trainer start(TrainConfig config, Path out, TrainListener listener, List<String> notes)
            throws IOException {
        TrainConfig c = config.run().seed() != null ? config
                : config.withSeed(new SecureRandom().nextLong() & ((1L << 53) - 1)); // recorded, so it can repeat
        boolean existed = Files.exists(out);
        RunDirectory dir = RunDirectory.create(out);
        try {
            TrainParts parts = assemble(c, null, listener, notes);
            dir.writeConfig(parts.config());
            return new Trainer(parts, dir, new TrainState(), listener);
        } catch (IOException | RuntimeException e) {
            if (!existed) {
                dir.delete(); // a run that never started leaves no folder behind
            }
            throw e;
        }
    }

    /**
     * Continues the run in {@code runDir} from its newest intact checkpoint: last.ckpt, or when that is damaged or
     * holds non-finite values, the newer of last.prev.ckpt and best.ckpt (with a note). A run that stopped before its
     * first checkpoint starts over from the beginning with its recorded configuration. {@code change} may change how
     * long and on what resources it runs ({@link TrainConfig#RESOURCES}); the recipe itself stays as recorded, and
     * the number of epochs can change only where the schedule's shape does not depend on it.
     */
    public static Trainer resume(Path runDir, TrainListener listener, UnaryOperator<TrainConfig> change)
            throws IOException {
        RunDirectory dir = RunDirectory.existing(runDir);
        List<String> notes = new ArrayList<>();
        if (!dir.hasCheckpoint()) {
            TrainConfig recorded = dir.readConfig();
            TrainConfig changed = checkedChange(recorded, change.apply(recorded), dir, 0);
            notes.add(runDir + " holds no checkpoint (the run stopped before its first one): starting it over from the"
                    + " beginning with its recorded settings");
            return start(changed, runDir, listener, notes);
        }
        Found from = newestIntact(dir, notes);
        Checkpoint.Contents c = from.contents();
        TrainConfig recorded = c.config();
        if (recorded == null) {
            throw new IllegalArgumentException(from.path() + " records no configuration (a run assembled in Java);"
                    + " resume it with the same parts through new Trainer(...)");
        }
        TrainConfig changed = checkedChange(recorded, change.apply(recorded), dir, c.state().history.size());
        TrainParts parts = assemble(changed, c, listener, notes);
        dir.writeConfig(parts.config());
        return new Trainer(parts, dir, c.state(), listener).resumedFrom(from.path());
    }

    /** {@code changed} after checking that it changes only what a resumed run may change. */
    private static TrainConfig checkedChange(TrainConfig recorded, TrainConfig changed, RunDirectory dir, int done) {
        List<String> recipe = recorded.differences(changed, TrainConfig.RESOURCES);
        if (!recipe.isEmpty()) {
            throw new IllegalArgumentException("a resumed run keeps its recipe, so " + String.join(", ", recipe)
                    + " cannot change; only --epochs, --max-steps, --threads, --device, --cudnn-benchmark,"
                    + " --data-workers, --data-dir, --max-image-pixels, --on-bad-image and --on-nonfinite can (see "
                    + dir.path(RunDirectory.CONFIG) + ")");
        }
        int epochs = changed.run().epochs();
        if (epochs != recorded.run().epochs() && recorded.schedule().schedule().dependsOnLength()) {
            throw new IllegalArgumentException("--epochs cannot change on resume with the "
                    + recorded.schedule().schedule() + " schedule: its shape depends on the run's length");
        }
        if (epochs < done) {
            throw new IllegalArgumentException("the run has already finished " + done + " epochs; --epochs " + epochs
                    + " is fewer");
        }
        return changed;
    }

    private record Found(Path path, Checkpoint.Contents contents) {
    }

    /**
     * The newest checkpoint of the run that reads back as written (its checksums match) and holds finite values only;
     * each one passed over adds a note.
     */
    private static Found newestIntact(RunDirectory dir, List<String> notes) throws IOException {
        List<String> problems = new ArrayList<>();
        Found found = null;
        for (String name : RunDirectory.CHECKPOINTS) {
            Path p = dir.path(name);
            if (!Files.exists(p)) {
                continue;
            }
            try {
                Checkpoint.Contents c = Checkpoint.read(p);
                String bad = NonFinite.firstIn(c.model());
                if (bad == null) {
                    String inOptimizer = NonFinite.inOptimizerState(c.optimizer());
                    bad = inOptimizer == null ? null : "the optimizer's " + inOptimizer;
                }
                if (bad != null) {
                    throw new WeightsFormatException(p + ": holds non-finite values (" + bad + ")");
                }
                if (found == null || c.state().step > found.contents().state().step) {
                    found = new Found(p, c);
                }
                if (name.equals(RunDirectory.LAST)) {
                    break; // whole, and the newest
                }
            } catch (IOException | RuntimeException e) {
                String m = String.valueOf(e.getMessage()).strip().lines().findFirst().orElse("");
                problems.add(m.contains(p.toString()) ? m : p + ": " + m);
            }
        }
        if (found == null) {
            throw new WeightsFormatException("no intact checkpoint to resume from in " + dir.root() + ": "
                    + String.join("; ", problems));
        }
        for (String problem : problems) {
            notes.add(problem + "; resuming from " + found.path() + " (" + found.contents().state().position()
                    + ") instead");
        }
        if (!found.contents().verified()) {
            notes.add(found.path() + " was written before resnet4j kept checksums: resumed without verifying it");
        }
        return found;
    }

    /** Builds the parts of {@code config}, restoring {@code resume}'s weights and optimiser state when given. */
    static TrainParts assemble(TrainConfig config, Checkpoint.Contents resume, TrainListener listener,
            List<String> startNotes) throws IOException {
        List<String> notes = new ArrayList<>(startNotes);
        RunSettings run = config.run();
        ComputeDevice device = config.engine().startOnDevice(run.deterministic());
        run.precision().requireSupportedOn(device);
        if (device.isCuda()) {
            notes.add("computing on " + device);
        }
        if (run.deterministic()) {
            torch.globalContext().setDeterministicAlgorithms(true, false);
            torch.globalContext().setDeterministicMkldnn(true);
        }
        DataConfig dataConfig = config.dataConfig();
        // the resolved location is recorded, so a resumed run reads the same data wherever it is started from
        TrainConfig resolved = config.with("--data-dir", dataConfig.root().toAbsolutePath().toString());
        config.imageInput().apply();
        DataSource data = DataSource.open(dataConfig, config.data(), Engine.threads(), new Datasets.Listener() {
            @Override
            public void note(String message) {
                notes.add(message);
            }
        });
        List<String> classes = data.classNames();
        if (resume != null && !resume.checkpoint().classNames().equals(classes)) {
            throw new IllegalArgumentException("the data's classes " + classes + " differ from the checkpoint's "
                    + resume.checkpoint().classNames());
        }
        Engine.seed(run.seed());
        ResNet net = ResNets.create(config.modelOptions().withInChannels(data.channels()).withClasses(classes.size()));
        if (resume != null) {
            StateDict.load(net, resume.model(), true);
        } else if (config.model().weights() != null) {
            notes.add(fineTuneFrom(net, config.model().weights()));
        }
        device.move(net);
        boolean channelsLast = run.layout().channelsLastOn(device, net.architecture(), run.precision(), true);
        if (channelsLast) {
            net.toChannelsLast();
        }
        Optimizer optimizer = Optimizers.create(net, config.optim());
        if (resume != null) {
            Optimizers.loadState(optimizer, resume.optimizer(), device);
        }
        int workers = config.data().dataWorkers();
        DataSource.Loading loading = new DataSource.Loading(run.batchSize(), run.evalBatchSize(), workers, run.seed(),
                dataConfig.normalization(), channelsLast, config.augment(), config.imageInput().onBadImage(),
                (file, reason) -> listener.message("bad image: " + file + ": " + reason));
        int sample = run.limitEvalBatches() * run.evalBatchSize();
        BatchSource loader = data.train(loading);
        int batches = run.limitTrainBatches() > 0 ? Math.min(loader.batchesPerEpoch(), run.limitTrainBatches())
                : loader.batchesPerEpoch();
        Evaluation evaluation = new Evaluation(data.hasVal() ? data.eval(Split.VAL, loading, sample) : null,
                data.eval(Split.TEST, loading, sample), new Evaluator(run.evalBatchSize(), workers, run.evalTta(),
                run.precision()), sample > 0);
        TrainStep step = new TrainStep(net, optimizer, run.precision(), config.optim().labelSmoothing(),
                config.optim().gradClip(), run.onNonfinite());
        List<String> description = new ArrayList<>(notes);
        description.addAll(describe(resolved, net, data, dataConfig, evaluation, batches, channelsLast));
        return new TrainParts(net, optimizer, step, LrSchedule.of(config.schedule(), config.optim().lr(),
                run.epochs(), batches), loader, batches, run.epochs(), run.maxSteps(), evaluation, resolved, classes,
                Preprocessing.of(dataConfig), description);
    }

    /** Loads pretrained weights into {@code net}, with a new classifier head when the class count differs. */
    private static String fineTuneFrom(ResNet net, Path weights) throws IOException {
        Map<String, Tensor> source = new LinkedHashMap<>(Weights.read(weights).tensors());
        Tensor fc = source.get("fc.weight");
        long classes = net.options().numClasses();
        boolean newHead = fc != null && fc.dim() == 2 && fc.size(0) != classes;
        if (newHead) {
            source.remove("fc.weight");
            source.remove("fc.bias");
            // everything but the new head must fit, checked before a single weight is copied
            LoadReport r = StateDict.check(net, source);
            if (!r.unexpected().isEmpty() || !r.mismatched().isEmpty()
                    || !List.of("fc.weight", "fc.bias").containsAll(r.missing())) {
                throw new WeightsMismatchException(r);
            }
        }
        LoadReport r = StateDict.load(net, source, !newHead);
        return "fine-tuning from " + weights + ": " + r.loaded().size() + " tensors loaded" + (newHead
                ? ", with a new classifier head for " + classes + " classes (the weights had " + fc.size(0) + ")" : "");
    }

    private static List<String> describe(TrainConfig c, ResNet net, DataSource data, DataConfig dataConfig,
            Evaluation evaluation, int batches, boolean channelsLast) {
        List<String> lines = new ArrayList<>();
        lines.add(String.format(Locale.ROOT, "model %s (%s), %,d parameters, %d classes", net.options().name(),
                net.architecture().description(), net.parameterCount(), net.options().numClasses()));
        lines.add(String.format(Locale.ROOT, "data %s in %s: %d training, %s, %d test images of %dx%dx%d; %s",
                dataConfig.kind().id(), Datasets.location(dataConfig), data.trainImages(), evaluation.val() == null
                        ? "no validation" : evaluation.val().images() + " validation", evaluation.test().images(),
                data.channels(), dataConfig.height(), dataConfig.width(), data.storage()));
        lines.add(data.validation() + "; best checkpoint by " + (data.hasVal() ? "validation" : "test")
                + " accuracy");
        lines.add("augmentation: " + data.augmentation(c.augment()) + "; normalisation mean "
                + Arrays.toString(dataConfig.normalization().mean()) + " std "
                + Arrays.toString(dataConfig.normalization().std()));
        lines.add("recipe: " + c.describe() + "; " + batches + " steps per epoch; memory layout "
                + (channelsLast ? "channels-last" : "NCHW"));
        lines.add(String.format(Locale.ROOT, "seed %d%s, %d threads, %d data worker(s)", c.run().seed(),
                c.run().deterministic() ? " (deterministic)" : "", Engine.threads(), c.data().dataWorkers()));
        return lines;
    }
}
