package org.resnet4j.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Optimizer;
import org.resnet4j.data.Batch;
import org.resnet4j.data.BatchSource;
import org.resnet4j.data.BatchStream;
import org.resnet4j.data.DataLoader;
import org.resnet4j.data.Dataset;
import org.resnet4j.data.Normalization;
import org.resnet4j.engine.Precision;
import org.resnet4j.eval.EvalResult;
import org.resnet4j.eval.Evaluator;
import org.resnet4j.model.ResNet;

/**
 * Trains with the {@link TrainParts} it is handed, evaluating after every epoch, writing metrics and checkpoints to a
 * {@link RunDirectory}, and able to stop cleanly and resume exactly. Listeners hear every step, evaluation, epoch and
 * checkpoint; {@link TrainSetup} builds the parts from a configuration.
 */
public final class Trainer {
    private final TrainParts parts;
    private final RunDirectory dir;
    private final TrainState state;
    private final List<TrainListener> added = new CopyOnWriteArrayList<>();
    private final TrainListener listeners = TrainListener.all(added);
    private volatile boolean stopRequested;

    /** A run at {@code state} (a fresh {@link TrainState} to start, a checkpoint's to resume). */
    public Trainer(TrainParts parts, RunDirectory dir, TrainState state, TrainListener listener) throws IOException {
        this.parts = parts;
        this.dir = dir;
        this.state = state;
        added.add(new RunLog(dir.openLog()));
        added.add(listener);
    }

    /**
     * A trainer for parts built by hand: {@code net} trained by {@code optimizer} on {@code loader}'s batches; the
     * rest has defaults (one epoch, the optimiser's learning rate throughout, fp32). Listeners join with
     * {@link #addListener}; anything more (label smoothing, clipping, limits) goes into {@link TrainParts} itself.
     */
    public static Builder builder(ResNet net, Optimizer optimizer, BatchSource loader) {
        return new Builder(net, optimizer, loader);
    }

    /** Adds a listener, heard after those already there. */
    public Trainer addListener(TrainListener listener) {
        added.add(listener);
        return this;
    }

    public ResNet model() {
        return parts.net();
    }

    public TrainParts parts() {
        return parts;
    }

    public TrainState state() {
        return state;
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
            List<String> description = new ArrayList<>(parts.description());
            description.add("run folder " + dir.root());
            if (state.step > 0) {
                description.add(String.format(Locale.ROOT, "resuming at epoch %d, batch %d (step %d)", state.epoch + 1,
                        state.batchInEpoch, state.step));
            }
            listeners.started(description);
            for (int e = state.epoch; e < parts.epochs(); e++) {
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
            parts.loader().close();
            parts.evaluation().close();
            dir.closeLogs();
        }
    }

    /** Trains the rest of epoch {@code e}; returns why it stopped early, or null when the epoch is done. */
    private TrainResult.Status trainEpoch(int e) {
        int batches = parts.batchesPerEpoch();
        listeners.epochStarted(e + 1, parts.epochs(), batches, state.batchInEpoch);
        parts.net().train(true);
        if (state.batchInEpoch == 0) {
            state.epochLr = parts.schedule().lr(state.step);
        }
        try (BatchStream stream = parts.loader().epoch(e, state.batchInEpoch)) {
            while (state.batchInEpoch < batches) {
                if (stopRequested) {
                    return TrainResult.Status.STOPPED;
                }
                if (parts.maxSteps() > 0 && state.step >= parts.maxSteps()) {
                    return TrainResult.Status.MAX_STEPS;
                }
                listeners.beforeStep(state.step);
                long t0 = System.nanoTime();
                TrainStep.Outcome o;
                try (PointerScope scope = new PointerScope(); Batch b = stream.next()) {
                    o = step(b);
                }
                state.epochSeconds += (System.nanoTime() - t0) / 1e9;
                state.batchInEpoch++;
                state.step++;
                listeners.stepDone(e + 1, state.batchInEpoch, batches, state.epochLossSum / state.epochSeen,
                        (double) state.epochCorrect / state.epochSeen, state.epochSeen / state.epochSeconds);
                listeners.afterStep(state.step, o);
            }
        }
        long bad = parts.loader().badImages(e);
        if (bad > 0) {
            listeners.message("epoch " + (e + 1) + ": " + bad + " unreadable image(s) skipped");
        }
        return null;
    }

    /** One optimisation step on {@code b}, inside the caller's native-memory scope. */
    private TrainStep.Outcome step(Batch b) {
        double lr = parts.schedule().lr(state.step);
        TrainStep.Outcome o = parts.step().run(b.images(), b.labels(), lr);
        if (!Double.isFinite(o.loss())) {
            Path last = dir.path(RunDirectory.LAST);
            throw new DivergenceException(String.format(Locale.ROOT, "the loss became %s at epoch %d, step %d (lr %g);"
                    + " stopped without saving, %s; lower the learning rate or clip gradients (--grad-clip)", o.loss(),
                    state.epoch + 1, state.step + 1, lr, Files.exists(last)
                            ? "so " + last + " still holds the last good state" : "before any checkpoint"));
        }
        state.epochLossSum += o.loss() * b.size();
        state.epochCorrect += o.correct();
        state.epochSeen += b.size();
        return o;
    }

    private void endEpoch(int e) throws IOException {
        Evaluation ev = parts.evaluation();
        EvalResult val = ev.val() == null ? null : ev.run(parts.net(), "val", ev.val(), listeners);
        EvalResult test = ev.run(parts.net(), "test", ev.test(), listeners);
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
        listeners.epochEnded(row, row.referenceLines(parts.epochs()));
        // best before last: a crash between the two leaves last.ckpt at the previous epoch, which the resumed run
        // repeats, rewriting best.ckpt; the other order could leave a stale best behind a newer last
        if (best) {
            write(dir.path(RunDirectory.BEST), String.format(Locale.ROOT, "best so far, %s accuracy %.2f%%",
                    val != null ? "validation" : "test", 100 * acc));
            dir.writeConfusion(test, e + 1, ev.sampled() ? "test (sample)" : "test");
        }
        saveLast("epoch " + (e + 1));
    }

    private void saveLast(String why) throws IOException {
        write(dir.path(RunDirectory.LAST), why);
    }

    private void write(Path path, String why) throws IOException {
        try (PointerScope scope = new PointerScope()) {
            Checkpoint.write(path, new Checkpoint(parts.config(), state, parts.classNames(), parts.preprocessing()),
                    parts.net(), Optimizers.state(parts.optimizer()));
        }
        listeners.checkpointSaved(path, why);
    }

    private TrainResult result(TrainResult.Status status) {
        return new TrainResult(status, dir.root(), List.copyOf(state.history), state.bestAccuracy, state.bestEpoch,
                state.step);
    }

    /** Assembles {@link TrainParts} from parts a Java user built; see {@link #builder}. */
    public static final class Builder {
        private final ResNet net;
        private final Optimizer optimizer;
        private final BatchSource loader;
        private LrSchedule schedule;
        private Precision precision = Precision.FP32;
        private int epochs = 1;
        private BatchSource val;
        private BatchSource test;

        private Builder(ResNet net, Optimizer optimizer, BatchSource loader) {
            this.net = net;
            this.optimizer = optimizer;
            this.loader = loader;
        }

        public Builder schedule(LrSchedule s) {
            schedule = s;
            return this;
        }

        public Builder precision(Precision p) {
            precision = p;
            return this;
        }

        public Builder epochs(int n) {
            epochs = n;
            return this;
        }

        /**
         * Evaluates on {@code test} (and {@code val}, which then picks the best checkpoint, when not null), for example
         * {@code new DataLoader(data.test(), DataLoader.Options.evaluation(256, norm, 1, false))}.
         */
        public Builder evaluateOn(BatchSource val, BatchSource test) {
            this.val = val;
            this.test = test;
            return this;
        }

        /** Evaluates on {@code test} held in memory, normalised by {@code norm}, 256 images a pass. */
        public Builder evaluateOn(Dataset test, Normalization norm) {
            return evaluateOn(null, new DataLoader(test, DataLoader.Options.evaluation(256, norm, 1,
                    net.isChannelsLast())));
        }

        /** The trainer of a new run in {@code out}, which must not hold one already. */
        public Trainer start(Path out) throws IOException {
            if (test == null) {
                throw new IllegalStateException("name the evaluation data with evaluateOn(...)");
            }
            double lr = optimizer.param_groups().get(0).options().get_lr();
            LrSchedule s = schedule != null ? schedule : step -> lr;
            TrainParts parts = new TrainParts(net, optimizer, new TrainStep(net, optimizer, precision, 0, 0), s, loader,
                    loader.batchesPerEpoch(), epochs, 0, new Evaluation(val, test, new Evaluator(1, 1, false,
                    precision), false), null, test.classNames(), null, List.of());
            return new Trainer(parts, RunDirectory.create(out), new TrainState(), TrainListener.NONE);
        }
    }
}
