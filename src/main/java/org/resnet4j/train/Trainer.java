package org.resnet4j.train;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.UnaryOperator;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Optimizer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.resnet4j.data.Augmentation;
import org.resnet4j.data.Batch;
import org.resnet4j.data.DataConfig;
import org.resnet4j.data.DataLoader;
import org.resnet4j.data.Dataset;
import org.resnet4j.data.Datasets;
import org.resnet4j.data.Preprocessing;
import org.resnet4j.data.Subset;
import org.resnet4j.engine.Engine;
import org.resnet4j.engine.ProcessMemory;
import org.resnet4j.eval.EvalResult;
import org.resnet4j.eval.Evaluator;
import org.resnet4j.io.LoadReport;
import org.resnet4j.io.StateDict;
import org.resnet4j.io.Weights;
import org.resnet4j.model.ModelOptions;
import org.resnet4j.model.ResNet;
import org.resnet4j.model.ResNets;

/**
 * Trains a ResNet as a {@link TrainConfig} describes, evaluating after every epoch, writing metrics and checkpoints to
 * a {@link RunDirectory}, and able to stop cleanly and resume exactly.
 */
public final class Trainer {
    private final TrainConfig config;
    private final RunDirectory dir;
    private final TrainListener listener;
    private final PrintWriter log;
    private final TrainState state;
    private final DataConfig dataConfig;
    private final Datasets.Splits data;
    private final ResNet net;
    private final Optimizer optimizer;
    private final TrainStep trainStep;
    private final LrSchedule schedule;
    private final DataLoader trainLoader;
    private final int batchesPerEpoch;
    private final boolean channelsLast;
    private volatile boolean stopRequested;

    private Trainer(TrainConfig config, RunDirectory dir, TrainListener listener, Checkpoint.Contents resume)
            throws IOException {
        this.config = config;
        this.dir = dir;
        this.state = resume == null ? new TrainState() : resume.state();
        Engine.start(config.threads());
        if (config.deterministic()) {
            torch.globalContext().setDeterministicAlgorithms(true, false);
            torch.globalContext().setDeterministicMkldnn(true);
        }
        this.log = dir.openLog();
        this.listener = new LoggingListener(listener, log);
        ModelOptions model = config.modelOptions();
        dataConfig = config.dataConfig();
        config.dataDir(dataConfig.root().toAbsolutePath().toString());
        data = Datasets.forTraining(dataConfig, new Datasets.Listener() {
            @Override
            public void note(String message) {
                Trainer.this.listener.message(message);
            }
        });
        if (resume != null && !resume.classNames().equals(data.train().classNames())) {
            throw new IllegalArgumentException("the data's classes " + data.train().classNames() + " differ from the"
                    + " checkpoint's " + resume.classNames());
        }
        Engine.seed(config.seed());
        net = ResNets.create(model.withInChannels(data.train().channels()).withClasses(data.train().numClasses()));
        if (resume != null) {
            StateDict.load(net, resume.model(), true);
        } else if (config.weights() != null) {
            fineTuneFrom(Path.of(config.weights()));
        }
        channelsLast = config.useChannelsLast(net.architecture());
        if (Boolean.TRUE.equals(config.channelsLast()) && !channelsLast) {
            net.toChannelsLast(); // refuses, saying why
        }
        if (channelsLast) {
            net.toChannelsLast();
        }
        optimizer = Optimizers.create(net, config);
        if (resume != null) {
            Optimizers.loadState(optimizer, resume.optimizer());
        }
        trainStep = new TrainStep(net, optimizer, config.precision().equals("bf16"), config.labelSmoothing(),
                config.gradClip());
        Augmentation aug = config.augment() ? dataConfig.augmentation().withCutout(config.cutout())
                : Augmentation.NONE.withCutout(config.cutout());
        trainLoader = new DataLoader(data.train(), new DataLoader.Options(config.batchSize(), true, false,
                config.dataWorkers(), 2 * config.dataWorkers() + 1, config.seed(), dataConfig.normalization(), aug,
                channelsLast));
        int full = trainLoader.batchesPerEpoch();
        batchesPerEpoch = config.limitTrainBatches() > 0 ? Math.min(full, config.limitTrainBatches()) : full;
        schedule = LrSchedule.of(config, batchesPerEpoch);
        this.listener.started(describe(aug));
    }

    /** Starts a new run in {@code out}, which must not hold one already. */
    public static Trainer start(TrainConfig config, Path out, TrainListener listener) throws IOException {
        TrainConfig c = config.copy().validate();
        if (c.seed() == null) {
            c.seed(new SecureRandom().nextLong() & ((1L << 53) - 1)); // recorded, so the run can be repeated
        }
        boolean existed = java.nio.file.Files.exists(out);
        RunDirectory dir = RunDirectory.create(out);
        try {
            Trainer t = new Trainer(c, dir, listener, null);
            dir.writeConfig(c);
            return t;
        } catch (IOException | RuntimeException e) {
            dir.closeLogs();
            if (!existed) {
                dir.delete(); // a run that never started leaves no folder behind
            }
            throw e;
        }
    }

    /**
     * Continues the run in {@code runDir} from its last checkpoint. {@code override} may change how long and on what
     * resources it runs (epochs, maximum steps, threads, data workers, where the data lies); the recipe itself stays
     * as recorded. The number of epochs can change only where the schedule does not depend on it.
     */
    public static Trainer resume(Path runDir, TrainListener listener, UnaryOperator<TrainConfig> override)
            throws IOException {
        RunDirectory dir = RunDirectory.existing(runDir);
        Checkpoint.Contents c = Checkpoint.read(dir.path(RunDirectory.LAST));
        TrainConfig recorded = c.config();
        TrainConfig changed = override.apply(recorded.copy()).validate();
        TrainConfig allowed = recorded.copy().epochs(changed.epochs()).maxSteps(changed.maxSteps())
                .threads(changed.threads()).dataWorkers(changed.dataWorkers()).dataDir(changed.dataDir());
        if (!allowed.toJson().equals(changed.toJson())) {
            throw new IllegalArgumentException("a resumed run keeps its recipe; only --epochs, --max-steps, --threads,"
                    + " --data-workers and --data-dir can change (see " + dir.path(RunDirectory.CONFIG) + ")");
        }
        if (allowed.epochs() != recorded.epochs() && List.of("cosine", "onecycle").contains(recorded.schedule())) {
            throw new IllegalArgumentException("--epochs cannot change on resume with the " + recorded.schedule()
                    + " schedule: its shape depends on the run's length");
        }
        if (allowed.epochs() < c.state().history.size()) {
            throw new IllegalArgumentException("the run has already finished " + c.state().history.size()
                    + " epochs; --epochs " + allowed.epochs() + " is fewer");
        }
        Trainer t = new Trainer(allowed, dir, listener, c);
        dir.writeConfig(allowed);
        return t;
    }

    public ResNet model() {
        return net;
    }

    public TrainConfig config() {
        return config;
    }

    public Path runDirectory() {
        return dir.root();
    }

    /** Asks the run to save a checkpoint after the current step and return; safe from any thread. */
    public void requestStop() {
        stopRequested = true;
    }

    public TrainResult run() throws IOException {
        try {
            for (int e = state.epoch; e < config.epochs(); e++) {
                if (state.epoch != e) {
                    state.startEpoch(e);
                }
                TrainResult.Status stop = trainEpoch(e);
                if (stop != null) {
                    saveLast(stop == TrainResult.Status.STOPPED ? "interrupted" : "maximum steps reached");
                    return result(stop);
                }
                endEpoch(e);
            }
            return result(TrainResult.Status.COMPLETED);
        } finally {
            trainLoader.close();
            log.close();
        }
    }

    /** Trains the rest of epoch {@code e}; returns why it stopped early, or null when the epoch is done. */
    private TrainResult.Status trainEpoch(int e) {
        listener.epochStarted(e + 1, config.epochs(), batchesPerEpoch, state.batchInEpoch);
        net.train(true);
        if (state.batchInEpoch == 0) {
            state.epochLr = schedule.lr(state.step);
        }
        try (DataLoader.BatchStream batches = trainLoader.epoch(e, state.batchInEpoch)) {
            while (state.batchInEpoch < batchesPerEpoch) {
                if (stopRequested) {
                    return TrainResult.Status.STOPPED;
                }
                if (config.maxSteps() > 0 && state.step >= config.maxSteps()) {
                    return TrainResult.Status.MAX_STEPS;
                }
                long t0 = System.nanoTime();
                try (PointerScope scope = new PointerScope(); Batch b = batches.next()) {
                    step(b);
                }
                state.epochSeconds += (System.nanoTime() - t0) / 1e9;
                state.batchInEpoch++;
                state.step++;
                listener.stepDone(e + 1, state.batchInEpoch, batchesPerEpoch, state.epochLossSum / state.epochSeen,
                        (double) state.epochCorrect / state.epochSeen, state.epochSeen / state.epochSeconds);
            }
        }
        return null;
    }

    /** One optimisation step on {@code b}, inside the caller's native-memory scope. */
    private void step(Batch b) {
        double lr = schedule.lr(state.step);
        TrainStep.Outcome o = trainStep.run(b.images(), b.labels(), lr);
        if (!Double.isFinite(o.loss())) {
            Path last = dir.path(RunDirectory.LAST);
            throw new DivergenceException(String.format(Locale.ROOT, "the loss became %s at epoch %d, step %d (lr %g);"
                    + " stopped without saving, %s; lower the learning rate or clip gradients (--grad-clip)", o.loss(),
                    state.epoch + 1, state.step + 1, lr, java.nio.file.Files.exists(last)
                            ? "so " + last + " still holds the last good state" : "before any checkpoint"));
        }
        state.epochLossSum += o.loss() * b.size();
        state.epochCorrect += o.correct();
        state.epochSeen += b.size();
    }

    private void endEpoch(int e) throws IOException {
        EvalResult val = data.val() == null ? null : evaluate("val", data.val());
        EvalResult test = evaluate("test", data.test());
        MetricsRow row = new MetricsRow(e + 1, state.epochLr, state.epochLossSum / state.epochSeen,
                (double) state.epochCorrect / state.epochSeen, val == null ? Double.NaN : val.loss(),
                val == null ? Double.NaN : val.top1(), test.loss(), test.top1(), state.epochSeconds,
                state.epochSeen / state.epochSeconds);
        state.history.add(row);
        double acc = val != null ? val.top1() : test.top1();
        boolean best = acc > state.bestAccuracy;
        if (best) {
            state.bestAccuracy = acc;
            state.bestEpoch = e + 1;
        }
        state.startEpoch(e + 1);
        dir.writeMetrics(state.history);
        listener.epochEnded(row, row.referenceLines(config.epochs()));
        // best before last: a crash between the two leaves last.ckpt at the previous epoch, which the resumed run
        // repeats, rewriting best.ckpt; the other order could leave a stale best behind a newer last
        if (best) {
            write(dir.path(RunDirectory.BEST), String.format(Locale.ROOT, "best so far, %s accuracy %.2f%%",
                    val != null ? "validation" : "test", 100 * acc));
            dir.writeConfusion(test, e + 1, config.limitEvalBatches() > 0 ? "test (sample)" : "test");
        }
        saveLast("epoch " + (e + 1));
    }

    private EvalResult evaluate(String split, Dataset d) {
        Dataset subset = limitEval(d);
        listener.evaluationStarted(split, subset.size());
        EvalResult r = new Evaluator(config.evalBatchSize(), config.dataWorkers(), config.evalTta(),
                config.precision().equals("bf16")).evaluate(net, subset,
                dataConfig.normalization(), done -> listener.evaluationProgress(split, done));
        listener.evaluationDone(split);
        return r;
    }

    /** With --limit-eval-batches, a fixed random sample (test sets can be sorted by class, so not the first ones). */
    private Dataset limitEval(Dataset d) {
        return config.limitEvalBatches() == 0 ? d : Subset.sample(d, config.limitEvalBatches() * config.evalBatchSize(), 7);
    }

    private void saveLast(String why) throws IOException {
        write(dir.path(RunDirectory.LAST), why);
    }

    private void write(Path path, String why) throws IOException {
        try (PointerScope scope = new PointerScope()) {
            Checkpoint.write(path, net, Optimizers.state(optimizer), config, state, data.train().classNames(),
                    Preprocessing.of(dataConfig));
        }
        listener.checkpointSaved(path, why);
    }

    private TrainResult result(TrainResult.Status status) {
        return new TrainResult(status, dir.root(), List.copyOf(state.history), state.bestAccuracy, state.bestEpoch,
                state.step);
    }

    private void fineTuneFrom(Path weights) throws IOException {
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
                throw new org.resnet4j.io.WeightsMismatchException(r);
            }
        }
        LoadReport r = StateDict.load(net, source, !newHead);
        listener.message("fine-tuning from " + weights + ": " + r.loaded().size() + " tensors loaded" + (newHead
                ? ", with a new classifier head for " + classes + " classes (the weights had " + fc.size(0) + ")" : ""));
    }


    private List<String> describe(Augmentation aug) {
        List<String> lines = new ArrayList<>();
        lines.add(String.format(Locale.ROOT, "model %s (%s), %,d parameters, %d classes", net.options().name(),
                net.architecture().description(), net.parameterCount(), net.options().numClasses()));
        Dataset t = data.train();
        lines.add(String.format(Locale.ROOT, "data %s in %s: %d training, %s, %d test images of %dx%dx%d",
                dataConfig.kind().id(), Datasets.location(dataConfig), t.size(), data.val() == null ? "no validation"
                        : data.val().size() + " validation", data.test().size(), t.channels(), t.height(), t.width()));
        lines.add(data.validation() + "; best checkpoint by " + (data.val() != null ? "validation" : "test")
                + " accuracy");
        lines.add("augmentation: " + aug + "; normalisation mean " + Arrays.toString(dataConfig.normalization().mean())
                + " std " + Arrays.toString(dataConfig.normalization().std()));
        lines.add("recipe: " + config.recipe() + "; " + batchesPerEpoch + " steps per epoch; memory layout "
                + (channelsLast ? "channels-last" : "NCHW"));
        lines.add(String.format(Locale.ROOT, "seed %d%s, %d threads, %d data worker(s), run folder %s", config.seed(),
                config.deterministic() ? " (deterministic)" : "", config.threads(), config.dataWorkers(), dir.root()));
        if (state.step > 0) {
            lines.add(String.format(Locale.ROOT, "resuming at epoch %d, batch %d (step %d)", state.epoch + 1,
                    state.batchInEpoch, state.step));
        }
        return lines;
    }

    /** Copies what the run reports into train.log. */
    private static final class LoggingListener implements TrainListener {
        private final TrainListener inner;
        private final PrintWriter log;

        LoggingListener(TrainListener inner, PrintWriter log) {
            this.inner = inner;
            this.log = log;
        }

        @Override
        public void started(List<String> description) {
            log.println("--- " + java.time.OffsetDateTime.now());
            description.forEach(log::println);
            inner.started(description);
        }

        @Override
        public void epochStarted(int epoch, int epochs, int batches, int firstBatch) {
            inner.epochStarted(epoch, epochs, batches, firstBatch);
        }

        @Override
        public void stepDone(int epoch, int batch, int batches, double loss, double accuracy, double ips) {
            inner.stepDone(epoch, batch, batches, loss, accuracy, ips);
        }

        @Override
        public void evaluationStarted(String split, int images) {
            inner.evaluationStarted(split, images);
        }

        @Override
        public void evaluationProgress(String split, int done) {
            inner.evaluationProgress(split, done);
        }

        @Override
        public void evaluationDone(String split) {
            inner.evaluationDone(split);
        }

        @Override
        public void epochEnded(MetricsRow row, String[] lines) {
            for (String l : lines) {
                log.println(l);
            }
            log.println(String.format(Locale.ROOT, "  lr %.6g, %.1f s, %.1f images/s, resident memory %d MiB (peak"
                    + " %d MiB)", row.lr(), row.seconds(), row.imagesPerSecond(), ProcessMemory.resident() >> 20,
                    ProcessMemory.peakResident() >> 20));
            inner.epochEnded(row, lines);
        }

        @Override
        public void checkpointSaved(Path path, String why) {
            log.println("checkpoint " + path.getFileName() + " (" + why + ")");
            inner.checkpointSaved(path, why);
        }

        @Override
        public void message(String line) {
            log.println(line);
            inner.message(line);
        }
    }
}
