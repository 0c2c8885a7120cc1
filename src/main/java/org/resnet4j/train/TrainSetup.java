package org.resnet4j.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;

import org.bytedeco.pytorch.Optimizer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.resnet4j.data.AugmentSettings;
import org.resnet4j.data.BatchSource;
import org.resnet4j.data.DataConfig;
import org.resnet4j.data.DataSource;
import org.resnet4j.data.Datasets;
import org.resnet4j.data.DistributedSampler;
import org.resnet4j.data.Preprocessing;
import org.resnet4j.data.Split;
import org.resnet4j.dist.DistSettings;
import org.resnet4j.dist.DistributedDataParallel;
import org.resnet4j.dist.WorkerGroup;
import org.resnet4j.engine.ComputeDevice;
import org.resnet4j.engine.Engine;
import org.resnet4j.eval.Evaluator;
import org.resnet4j.io.LoadReport;
import org.resnet4j.io.ModelLoader;
import org.resnet4j.io.PretrainedWeights;
import org.resnet4j.io.StateDict;
import org.resnet4j.io.Weights;
import org.resnet4j.io.WeightsFormatException;
import org.resnet4j.io.WeightsMismatchException;
import org.resnet4j.model.ResNet;
import org.resnet4j.model.ResNets;
import org.resnet4j.tensorboard.TensorBoardListener;

/**
 * Assembles what a run trains with from its {@link TrainConfig}: the engine, the data, the model (fresh, fine-tuned
 * from weights, or restored from a checkpoint), its layout, the optimiser, the loader and the schedule. The command
 * line, the experiments and Java users start and resume runs here.
 */
public final class TrainSetup {
    private static final int TENSORBOARD_STEP_EVERY = 50;

    private TrainSetup() {
    }

    /**
     * Starts a new run of {@code config} in {@code out}, which must not hold a checkpoint (what a run left before its
     * first one is started afresh).
     */
    public static Trainer start(TrainConfig config, Path out, TrainListener listener) throws IOException {
        return start(config, out, listener, WorkerGroup.single());
    }

    /**
     * Starts a new run of {@code config} in {@code out} on the processes of {@code group}: every rank must be started
     * with the same settings (compared with rank 0's), rank 0 alone writes the folder, and a failure on any rank
     * stops them all, each with one line.
     */
    public static Trainer start(TrainConfig config, Path out, TrainListener listener, WorkerGroup group)
            throws IOException {
        String leftovers = group.isRankZero() ? RunDirectory.leftovers(out) : null;
        return start(config, out, listener, leftovers == null ? List.of() : List.of(leftovers), group);
    }

    private static Trainer start(TrainConfig config, Path out, TrainListener listener, List<String> notes,
            WorkerGroup group) throws IOException {
        TrainConfig seeded = config.run().seed() != null || !group.isRankZero() ? config
                : config.withSeed(new SecureRandom().nextLong() & ((1L << 53) - 1)); // recorded, so it can repeat
        TrainConfig c = agreed(seeded, group);
        boolean existed = Files.exists(out);
        RunDirectory dir = group.agree("prepare the run folder " + out, () -> group.isRankZero()
                ? RunDirectory.create(out) : RunDirectory.replica(out));
        try {
            TrainParts parts = distribute(group.agree("set up the run", () -> assemble(c, null, listener, notes,
                    group)));
            dir.writeConfig(parts.config());
            return withEventFile(new Trainer(parts, dir, new TrainState(), listener), parts.config(), dir);
        } catch (IOException | RuntimeException e) {
            if (!existed) {
                dir.delete(); // a run that never started leaves no folder behind
            }
            throw e;
        }
    }

    /**
     * {@code mine}, after checking that it equals rank 0's settings (but for those each machine has its own), with
     * rank 0's seed when this rank was given none.
     */
    private static TrainConfig agreed(TrainConfig mine, WorkerGroup group) throws IOException {
        if (!group.isDistributed()) {
            return mine;
        }
        TrainConfig zero = TrainConfig.fromJson(group.broadcastString(mine.toJson(), "the settings check"));
        return group.agree("start with rank 0's settings", () -> {
            Set<String> ignored = new HashSet<>(TrainConfig.PER_PROCESS);
            if (mine.run().seed() == null) {
                ignored.add("seed");
            }
            List<String> differ = zero.differences(mine, ignored);
            if (!differ.isEmpty()) {
                throw new IllegalArgumentException("its settings differ from rank 0's in " + String.join(", ", differ)
                        + ": start every rank with the same command");
            }
            return mine.run().seed() == null ? mine.withSeed(zero.run().seed()) : mine;
        });
    }

    /**
     * Makes the parts of one rank a replica of rank 0's: its weights, and gradients averaged over the ranks at every
     * step; every rank takes the same number of steps per epoch (the fewest any rank's share of the data gives).
     */
    private static TrainParts distribute(TrainParts p) {
        WorkerGroup group = p.group();
        if (!group.isDistributed()) {
            return p;
        }
        if (ComputeDevice.of(p.net()).isCuda()) {
            throw new IllegalArgumentException("distributed training runs on the CPU with Gloo; on CUDA it would take"
                    + " NCCL (" + ComputeDevice.of(p.net()).distributedBackend() + "), which resnet4j does not use yet:"
                    + " add --device cpu");
        }
        DistSettings d = p.config().dist();
        p.step().distributed(new DistributedDataParallel(group, p.net(), d.bucketCapBytes(), d.broadcastBuffers()));
        int batches = (int) group.min("counting the steps per epoch", p.batchesPerEpoch())[0];
        if (batches == p.batchesPerEpoch()) {
            return p;
        }
        TrainConfig c = p.config();
        return new TrainParts(p.net(), p.optimizer(), p.step(), LrSchedule.of(c.schedule(), c.lr(),
                c.run().epochs(), p.step().updatesPerEpoch(batches)), p.loader(), batches, p.epochs(), p.maxSteps(), p.evaluation(), c,
                p.classNames(), p.preprocessing(), p.description(), group);
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
        return resume(runDir, listener, change, WorkerGroup.single());
    }

    /**
     * {@link #resume(Path, TrainListener, UnaryOperator)} on the processes of {@code group}: rank 0 chooses the
     * checkpoint and every rank reads it (the run folder must be on a filesystem they share). With a different number
     * of processes than the run had, the run goes on where it stood in its epochs, with a different data order.
     */
    public static Trainer resume(Path runDir, TrainListener listener, UnaryOperator<TrainConfig> change,
            WorkerGroup group) throws IOException {
        RunDirectory dir = group.agree("open the run folder " + runDir, () -> group.isRankZero()
                ? RunDirectory.existing(runDir) : RunDirectory.existing(runDir).readOnly());
        List<String> notes = new ArrayList<>();
        if (!"yes".equals(group.broadcastString(dir.hasCheckpoint() ? "yes" : "no", "the checkpoint check"))) {
            TrainConfig recorded = group.agree("read " + dir.path(RunDirectory.CONFIG), dir::readConfig);
            TrainConfig changed = group.agree("continue the run", () -> checkedChange(recorded,
                    change.apply(recorded), dir, 0));
            notes.add(runDir + " holds no checkpoint (the run stopped before its first one): starting it over from the"
                    + " beginning with its recorded settings");
            return start(changed, runDir, listener, notes, group);
        }
        Found chosen = group.agree("find a checkpoint to resume from", () -> group.isRankZero()
                ? newestIntact(dir, notes) : null);
        String path = group.broadcastString(chosen == null ? "" : chosen.path().toString(), "the checkpoint choice");
        Found from = group.agree("read the checkpoint " + path, () -> chosen != null ? chosen
                : new Found(Path.of(path), Checkpoint.read(Path.of(path))));
        Checkpoint.Contents c = from.contents();
        TrainConfig recorded = c.config();
        TrainConfig changed = agreed(group.agree("continue the run", () -> {
            if (recorded == null) {
                throw new IllegalArgumentException(from.path() + " records no configuration (a run assembled in"
                        + " Java); resume it with the same parts through new Trainer(...)");
            }
            return checkedChange(recorded, change.apply(recorded), dir, c.state().history.size());
        }), group);
        TrainParts parts = distribute(group.agree("set up the run", () -> assemble(changed, c, listener, notes,
                group)));
        TrainState state = c.state();
        if (state.worldSize != group.size()) {
            parts = parts.withNote(continuedOn(state, group.size(), parts.batchesPerEpoch()));
        }
        dir.writeConfig(parts.config());
        Trainer trainer = new Trainer(parts, dir, state, listener).resumedFrom(from.path());
        return withEventFile(trainer, parts.config(), dir);
    }

    /**
     * TensorBoard's event file for this start of the run (a resumed run adds one), unless switched off; written by
     * the process that writes the run folder.
     */
    private static Trainer withEventFile(Trainer trainer, TrainConfig config, RunDirectory dir) throws IOException {
        if (config.run().tensorboard() && dir.writes()) {
            trainer.addListener(TensorBoardListener.open(dir.root(), TensorBoardListener.hparamsOf(config.toJson()),
                    TENSORBOARD_STEP_EVERY));
        }
        return trainer;
    }

    /**
     * Moves {@code state}, saved by a run on another number of processes, to the same place in its epoch on
     * {@code world} processes with {@code batches} steps per epoch; says what changes.
     */
    static String continuedOn(TrainState state, int world, int batches) {
        int was = state.worldSize;
        long imagesIntoEpoch = (long) state.batchInEpoch * was;
        state.batchInEpoch = (int) Math.min(batches - 1L, Math.round((double) imagesIntoEpoch / world));
        state.step = (long) state.epoch * batches + state.batchInEpoch;
        return String.format(Locale.ROOT, "the run trained on %d process(es) and continues on %d: each process keeps"
                + " its batch size, so the global batch changes, and the data order differs from here on (at"
                + " epoch %d, step %d of %d per epoch)", was, world, state.epoch + 1, state.batchInEpoch, batches);
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
            List<String> startNotes, WorkerGroup group) throws IOException {
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
            public void downloading(String file, long done, long total) {
                listener.downloading(file, done, total);
            }

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
            notes.add(fineTuneFrom(net, config.model().weights(), listener));
        }
        device.move(net);
        boolean channelsLast = run.layout().channelsLastOn(device, net.architecture(), run.precision(), true);
        if (channelsLast) {
            net.toChannelsLast();
        }
        ParamGroups groups = ParamGroups.create(net, config.optim(), resume == null ? 0 : resume.state().epoch);
        Optimizer optimizer = groups.optimizer();
        if (resume != null) {
            Optimizers.loadState(optimizer, resume.optimizer(), device);
        }
        int workers = config.data().dataWorkers();
        DataSource.Loading loading = new DataSource.Loading(run.batchSize(), run.evalBatchSize(), workers, run.seed(),
                dataConfig.normalization(), channelsLast, config.augment(), config.imageInput().onBadImage(),
                (file, reason) -> listener.message("bad image: " + file + ": " + reason),
                DistributedSampler.training(group.rank(), group.size())
                        .withRepetitions(config.augment().repetitions()));
        int sample = run.limitEvalBatches() * run.evalBatchSize();
        BatchSource loader = data.train(loading);
        int batches = run.limitTrainBatches() > 0 ? Math.min(loader.batchesPerEpoch(), run.limitTrainBatches())
                : loader.batchesPerEpoch();
        Evaluation evaluation = new Evaluation(data.hasVal() ? data.eval(Split.VAL, loading, sample) : null,
                data.eval(Split.TEST, loading, sample), new Evaluator(run.evalBatchSize(), workers, run.evalTta(),
                run.precision()), sample > 0);
        AugmentSettings a = config.augment();
        Mixup mixup = a.mixes() ? new Mixup(a.mixup(), a.cutmix(), a.mixupProb(), a.mixupSwitchProb(),
                config.optim().labelSmoothing(), classes.size(), run.seed()) : null;
        TrainStep step = new TrainStep(net, groups, new TrainStep.Options(run.precision(),
                config.optim().labelSmoothing(), config.optim().gradClip(), run.accumulate(), mixup),
                run.onNonfinite());
        OptimSettings o = config.optim();
        if (o.emaDecay() > 0) {
            long warmup = Math.round(config.schedule().warmupEpochs() * step.updatesPerEpoch(batches));
            ModelEma ema = new ModelEma(net, o.emaDecay(), o.emaWarmup(), o.emaEvery(), o.emaCopyWarmup() ? warmup : 0);
            if (resume != null) {
                if (resume.ema().isEmpty()) {
                    throw new IllegalArgumentException("the checkpoint holds no moving average of the weights");
                }
                StateDict.load(ema.model(), resume.ema(), true);
            }
            step.withEma(ema);
        }
        List<String> description = new ArrayList<>(notes);
        description.addAll(describe(resolved, net, data, dataConfig, evaluation, batches, channelsLast, group,
                loader.images()));
        return new TrainParts(net, optimizer, step, LrSchedule.of(config.schedule(), config.lr(), run.epochs(),
                step.updatesPerEpoch(batches)), loader, batches, run.epochs(), run.maxSteps(), evaluation, resolved,
                classes, Preprocessing.of(dataConfig).withEvalTransform(data.evalTransform()), description, group);
    }

    /** Loads pretrained weights into {@code net}, with a new classifier head when the class count differs. */
    private static String fineTuneFrom(ResNet net, Path weights, TrainListener listener) throws IOException {
        Optional<PretrainedWeights> named = ModelLoader.pretrained(weights);
        if (named.isPresent() && !named.get().model().equals(net.options().name())) {
            throw new IllegalArgumentException(named.get().id() + " are weights for " + named.get().model() + ", not "
                    + net.options().name() + " (leave out --model, or name " + named.get().model() + ")");
        }
        Map<String, Tensor> source = new LinkedHashMap<>(Weights.read(ModelLoader.localFile(weights,
                (done, total) -> listener.downloading(weights.toString(), done, total))).tensors());
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
            Evaluation evaluation, int batches, boolean channelsLast, WorkerGroup group, long perProcess) {
        List<String> lines = new ArrayList<>();
        lines.add(String.format(Locale.ROOT, "model %s (%s), %,d parameters, %d classes", net.options().name(),
                net.architecture().description(), net.parameterCount(), net.options().numClasses()));
        lines.add(String.format(Locale.ROOT, "data %s in %s: %d training, %s, %d test images of %dx%dx%d; %s",
                dataConfig.kind().id(), Datasets.location(dataConfig), data.trainImages(), evaluation.val() == null
                        ? "no validation" : evaluation.val().images() + " validation", evaluation.test().images(),
                data.channels(), dataConfig.height(), dataConfig.width(), data.storage()));
        lines.add(data.validation() + "; best checkpoint by " + (data.hasVal() ? "validation" : "test")
                + " accuracy");
        lines.add("augmentation: " + data.augmentation(c.augment()) + (c.augment().repetitions() > 1 ? ", each image "
                + c.augment().repetitions() + " times an epoch (RASampler)" : "") + "; normalisation mean "
                + Arrays.toString(dataConfig.normalization().mean()) + " std "
                + Arrays.toString(dataConfig.normalization().std()));
        lines.add("recipe: " + c.describe() + "; " + batches + " steps per epoch; memory layout "
                + (channelsLast ? "channels-last" : "NCHW"));
        lines.add(String.format(Locale.ROOT, "seed %d%s, %d threads, %d data worker(s)%s", c.run().seed(),
                c.run().deterministic() ? " (deterministic)" : "", Engine.threads(), c.data().dataWorkers(),
                group.isDistributed() ? " per process" : ""));
        if (group.isDistributed()) {
            lines.add(String.format(Locale.ROOT, "distributed: %d processes (Gloo through %s), batch %d per process,"
                    + " global batch %d; %d of the %d training images per process and epoch, and a share of the"
                    + " evaluation images (the figures above are rank 0's), every one counted once", group.size(),
                    group.rendezvous(), c.run().batchSize(), c.run().batchSize() * group.size(), perProcess,
                    data.trainImages()));
        }
        return lines;
    }
}
