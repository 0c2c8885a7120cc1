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
import org.resnet4j.dist.WorkerGroup;
import org.resnet4j.engine.Precision;
import org.resnet4j.eval.EvalResult;
import org.resnet4j.eval.Evaluator;
import org.resnet4j.io.StateDict;
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
    private final RunLog log;
    private volatile boolean stopRequested;
    /** The file that holds the newest good state and where that state stands, for messages; null before any. */
    private String lastGood;
    /** Whether saving last.ckpt keeps its previous content as last.prev.ckpt (not when it is damaged). */
    private boolean keepPrevious = true;
    private int skippedInARow;
    private long skippedBeforeEpoch;

    /** A run at {@code state} (a fresh {@link TrainState} to start, a checkpoint's to resume). */
    public Trainer(TrainParts parts, RunDirectory dir, TrainState state, TrainListener listener) throws IOException {
        this.parts = parts;
        this.dir = dir;
        this.state = state;
        log = new RunLog(dir.openLog());
        added.add(log);
        added.add(listener);
        if (state.step > 0 && Files.isRegularFile(dir.path(RunDirectory.LAST))) {
            lastGood = dir.path(RunDirectory.LAST) + " (" + state.position() + ")";
        }
        state.worldSize = parts.group().size();
        parts.step().restoreLossScaler(state.lossScaler);
        if (!parts.group().isRankZero()) {
            // a checkpoint's partial-epoch sums are those of every rank: rank 0 carries them on
            state.epochLossSum = 0;
            state.epochCorrect = 0;
            state.epochSeen = 0;
        }
    }

    /**
     * Says which checkpoint the run's state came from; when that is not last.ckpt (a damaged last.ckpt was passed
     * over), the next save replaces last.ckpt without keeping it as last.prev.ckpt.
     */
    Trainer resumedFrom(Path checkpoint) {
        lastGood = checkpoint + " (" + state.position() + ")";
        keepPrevious = checkpoint.getFileName().toString().equals(RunDirectory.LAST);
        return this;
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
        TrainResult.Status ended = null;
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
                    addUpEpochSums();
                    String why = stop == TrainResult.Status.STOPPED ? "interrupted" : "maximum steps reached";
                    write(dir.path(RunDirectory.LAST), checkedOptimizerState("at the " + why + " checkpoint"), why);
                    return result(ended = stop);
                }
                endEpoch(e);
            }
            return result(ended = TrainResult.Status.COMPLETED);
        } catch (DivergenceException e) {
            log.message("stopped: " + e.getMessage());
            throw e;
        } finally {
            parts.loader().close();
            parts.evaluation().close();
            try {
                listeners.runEnded(ended);
            } finally {
                dir.closeLogs();
            }
        }
    }

    /** Trains the rest of epoch {@code e}; returns why it stopped early, or null when the epoch is done. */
    private TrainResult.Status trainEpoch(int e) throws IOException {
        int batches = parts.batchesPerEpoch();
        listeners.epochStarted(e + 1, parts.epochs(), batches, state.batchInEpoch);
        skippedBeforeEpoch = state.skippedSteps;
        String released = parts.step().startEpoch(e);
        if (released != null) {
            listeners.message(released);
        }
        parts.net().train(true);
        if (state.batchInEpoch == 0) {
            state.epochLr = parts.schedule().lr(update());
        }
        try (BatchStream stream = parts.loader().epoch(e, state.batchInEpoch)) {
            while (state.batchInEpoch < batches) {
                // a run stops (and saves) only between accumulation windows: a checkpoint holds no partial gradient
                boolean betweenWindows = state.batchInEpoch % parts.step().accumulate() == 0;
                if (betweenWindows && stopAgreed()) {
                    return TrainResult.Status.STOPPED;
                }
                if (betweenWindows && parts.maxSteps() > 0 && state.step >= parts.maxSteps()) {
                    return TrainResult.Status.MAX_STEPS;
                }
                if (betweenWindows && state.batchInEpoch > 0 && checkpointDue()) {
                    addUpEpochSums();
                    write(dir.path(RunDirectory.LAST), checkedOptimizerState("at a mid-epoch checkpoint"),
                            "step " + state.step);
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
                if (state.epochSeen > 0) {
                    listeners.stepDone(e + 1, state.batchInEpoch, batches, state.epochLossSum / state.epochSeen,
                            (double) state.epochCorrect / state.epochSeen, state.epochSeen / state.epochSeconds);
                }
                listeners.afterStep(state.step, o);
            }
        }
        long bad = parts.loader().badImages(e);
        if (bad > 0) {
            listeners.message("epoch " + (e + 1) + ": " + bad + " unreadable image(s) skipped");
        }
        return null;
    }

    /**
     * One optimisation step on {@code b}, inside the caller's native-memory scope. A non-finite step stops the run, or
     * with {@link OnNonFinite#SKIP} is counted and passed over, until a whole epoch's steps (at most 100) in a row were.
     */
    private TrainStep.Outcome step(Batch b) {
        double lr = parts.schedule().lr(update());
        TrainStep.Window window = parts.step().window(state.batchInEpoch, parts.batchesPerEpoch());
        TrainStep.Outcome o = parts.step().run(b.images(), b.labels(), lr, state.step, window);
        if (window.last() && o.nonFinite() == null && parts.step().ema() != null) {
            parts.step().ema().afterUpdate(parts.net(), update() + 1);
        }
        if (o.nonFinite() != null) {
            String what = String.format(Locale.ROOT, "%s at epoch %d, step %d (lr %g)", o.nonFinite(), state.epoch + 1,
                    state.step + 1, lr);
            if (parts.step().onNonFinite() == OnNonFinite.STOP || o.updated()) {
                throw diverged(what);
            }
            state.skippedSteps++;
            listeners.message("skipped: " + what);
            int limit = Math.min(100, parts.batchesPerEpoch());
            if (++skippedInARow >= limit) {
                throw diverged("every one of the last " + limit + " steps was skipped, the last because " + what);
            }
            return o;
        }
        skippedInARow = 0;
        state.epochLossSum += o.loss() * b.size();
        state.epochCorrect += o.correct();
        state.epochSeen += b.size();
        return o;
    }

    /**
     * Whether to stop before the next step: in a distributed run, when any rank was asked to (the launcher signals
     * each worker, and they must all stop after the same step).
     */
    private boolean stopAgreed() {
        return parts.group().isDistributed() ? parts.group().any(stopRequested, "the stop check") : stopRequested;
    }

    /** Makes the partial epoch's sums those of every rank, held by rank 0 (what a checkpoint records). */
    private void addUpEpochSums() {
        WorkerGroup g = parts.group();
        if (g.isDistributed()) {
            double[] sums = g.sum("adding up the epoch's figures", state.epochLossSum, state.epochCorrect,
                    state.epochSeen);
            boolean zero = g.isRankZero();
            state.epochLossSum = zero ? sums[0] : 0;
            state.epochCorrect = zero ? Math.round(sums[1]) : 0;
            state.epochSeen = zero ? Math.round(sums[2]) : 0;
        }
    }

    /**
     * The optimiser step the current batch belongs to, which the schedule follows: the batch count itself without
     * accumulation, else the windows of the epochs before and of this one.
     */
    private long update() {
        int n = parts.step().accumulate();
        return n == 1 ? state.step : (long) state.epoch * parts.step().updatesPerEpoch(parts.batchesPerEpoch())
                + state.batchInEpoch / n;
    }

    /** Whether {@code --checkpoint-every} asks for a checkpoint now (between windows, within an epoch). */
    private boolean checkpointDue() {
        long every = parts.config() == null ? 0 : parts.config().run().checkpointEvery();
        return every > 0 && update() % every == 0;
    }

    private void endEpoch(int e) throws IOException {
        WorkerGroup g = parts.group();
        double[] seen = {state.epochLossSum, state.epochCorrect, state.epochSeen};
        if (g.isDistributed()) {
            seen = g.sum("the epoch's training figures", seen); // summed over the ranks
        }
        parts.step().syncReplicas(); // every rank evaluates rank 0's model
        Evaluation ev = parts.evaluation();
        EvalResult val = ev.val() == null ? null : ev.run(parts.net(), "val", ev.val(), listeners, g);
        EvalResult test = ev.run(parts.net(), "test", ev.test(), listeners, g);
        ModelEma ema = parts.step().ema();
        EvalResult emaTest = ema == null ? null : ev.run(ema.model(), "test (EMA)", ev.test(), listeners, g);
        for (EvalResult r : new EvalResult[] {val, test, emaTest}) {
            if (r != null && !Double.isFinite(r.loss())) {
                throw diverged(String.format(Locale.ROOT, "the %s loss became %s after epoch %d (step %d)",
                        r == val ? "validation" : r == test ? "test" : "EMA test", r.loss(), e + 1, state.step));
            }
        }
        long skipped = state.skippedSteps - skippedBeforeEpoch;
        if (skipped > 0) {
            listeners.message(String.format(Locale.ROOT, "epoch %d: %d of %d steps skipped for non-finite values (%d"
                    + " in the run)", e + 1, skipped, parts.batchesPerEpoch(), state.skippedSteps));
        }
        MetricsRow row = new MetricsRow(e + 1, state.epochLr, seen[0] / seen[2], seen[1] / seen[2],
                val == null ? Double.NaN : val.loss(), val == null ? Double.NaN : val.top1(), test.loss(), test.top1(),
                state.epochSeconds, seen[2] / state.epochSeconds, emaTest == null ? null : emaTest.loss(),
                emaTest == null ? null : emaTest.top1());
        state.history.add(row);
        double acc = val != null ? val.top1() : test.top1();
        boolean best = acc > state.bestAccuracy;
        if (best) {
            state.bestAccuracy = acc;
            state.bestEpoch = e + 1;
        }
        state.startEpoch(e + 1);
        byte[] optimizer = checkedOptimizerState("after epoch " + (e + 1));
        dir.writeMetrics(state.history);
        listeners.epochEnded(row, row.referenceLines(parts.epochs()));
        // best before last: a crash between the two leaves last.ckpt at the previous epoch, which the resumed run
        // repeats, rewriting best.ckpt; the other order could leave a stale best behind a newer last
        if (best) {
            write(dir.path(RunDirectory.BEST), optimizer, String.format(Locale.ROOT, "best so far, %s accuracy %.2f%%",
                    val != null ? "validation" : "test", 100 * acc));
            dir.writeConfusion(test, e + 1, ev.sampled() ? "test (sample)" : "test");
        }
        write(dir.path(RunDirectory.LAST), optimizer, "epoch " + (e + 1));
    }

    /**
     * The optimiser's state, after checking that it and the model's parameters and buffers are finite: no checkpoint
     * is ever written from a non-finite state.
     */
    private byte[] checkedOptimizerState(String when) throws IOException {
        try (PointerScope scope = new PointerScope()) {
            String bad = NonFinite.firstIn(StateDict.of(parts.net()));
            byte[] optimizer = Optimizers.state(parts.optimizer());
            if (bad == null) {
                String inOptimizer = NonFinite.inOptimizerState(optimizer);
                bad = inOptimizer == null ? null : "the optimizer's " + inOptimizer;
            }
            if (bad != null) {
                throw diverged(bad + " became non-finite, found " + when + " (step " + state.step + ")");
            }
            return optimizer;
        }
    }

    private void write(Path path, byte[] optimizer, String why) throws IOException {
        boolean last = path.getFileName().toString().equals(RunDirectory.LAST);
        if (!dir.writes()) {
            lastGood = last ? path + " (" + state.position() + ")" : lastGood;
            return;
        }
        state.lossScaler = parts.step().lossScalerState();
        try (PointerScope scope = new PointerScope()) {
            Checkpoint.write(path, last && keepPrevious ? dir.path(RunDirectory.LAST_PREV) : null,
                    new Checkpoint(parts.config(), state, parts.classNames(), parts.preprocessing()), parts.net(),
                    optimizer, parts.step().ema() == null ? null : parts.step().ema().model());
        }
        if (last) {
            lastGood = path + " (" + state.position() + ")";
            keepPrevious = true;
        }
        listeners.checkpointSaved(path, why);
    }

    private DivergenceException diverged(String what) {
        return new DivergenceException(what + "; stopped without saving this state; " + (lastGood != null
                ? "the last good state is in " + lastGood : "no checkpoint had been written yet") + ". Lower the"
                + " learning rate or clip gradients (--grad-clip)" + (parts.step().onNonFinite() == OnNonFinite.STOP
                        ? ", or skip such steps (--on-nonfinite skip)" : ""));
    }

    private TrainResult result(TrainResult.Status status) {
        return new TrainResult(status, dir.root(), List.copyOf(state.history), state.bestAccuracy, state.bestEpoch,
                state.step, state.skippedSteps);
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
        private OnNonFinite onNonFinite = OnNonFinite.STOP;

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

        public Builder onNonFinite(OnNonFinite policy) {
            onNonFinite = policy;
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
            TrainParts parts = new TrainParts(net, optimizer, new TrainStep(net, optimizer, precision, 0, 0,
                    onNonFinite), s, loader, loader.batchesPerEpoch(), epochs, 0, new Evaluation(val, test,
                    new Evaluator(1, 1, false, precision), false), null, test.classNames(), null, List.of(),
                    WorkerGroup.single());
            return new Trainer(parts, RunDirectory.create(out), new TrainState(), TrainListener.NONE);
        }
    }
}
