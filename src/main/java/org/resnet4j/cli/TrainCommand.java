package org.resnet4j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.resnet4j.train.MetricsRow;
import org.resnet4j.train.Recipes;
import org.resnet4j.train.TrainConfig;
import org.resnet4j.train.TrainListener;
import org.resnet4j.train.TrainResult;
import org.resnet4j.train.Trainer;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code resnet4j train}: with no options, the reference program. Every option left out keeps the reference value
 * (or, with {@code --resume}, the run's recorded value).
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a ResNet. With no options: the reference program (resnet18 on CIFAR-10, 100 epochs,"
                + " batch 128, SGD lr 0.1 momentum 0.9 weight decay 5e-4, crop/flip augmentation, a test-set"
                + " evaluation after every epoch)."})
final class TrainCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--recipe", paramLabel = "NAME", description = "start from a named recipe: reference (the"
            + " default), paper (He et al. 2015 for the 6n+2 nets), fast (time to accuracy: ResNet-9, one-cycle,"
            + " bf16); the options below change it")
    String recipe;
    @Option(names = "--model", paramLabel = "NAME", description = "variant (default resnet18)")
    String model;
    @Option(names = "--shortcut", paramLabel = "A|B", description = "shortcut option of the 6n+2 nets")
    String shortcut;
    @Option(names = "--zero-init-residual", description = "start each block's last BN (or conv) at zero")
    Boolean zeroInitResidual;
    @Option(names = "--init", paramLabel = "SCHEME", description = "pytorch, torchvision or he (default: the"
            + " variant's)")
    String init;
    @Option(names = "--weights", paramLabel = "FILE", description = "start from these weights (fine-tuning); a new"
            + " classifier head when the class count differs")
    String weights;

    @Option(names = "--dataset", paramLabel = "NAME", description = "cifar10 (default), cifar100, mnist,"
            + " fashion-mnist, folder or synthetic")
    String dataset;
    @Option(names = "--data-dir", paramLabel = "DIR", description = "where the data lies (default: $RESNET4J_DATA,"
            + " then ./data)")
    String dataDir;
    @Option(names = "--val-split", paramLabel = "N", description = "carve N training images out for validation")
    Integer valSplit;
    @Option(names = "--val-seed", paramLabel = "SEED", description = "seed of the validation carve (default 0)")
    Long valSeed;
    @Option(names = "--no-stratify", description = "carve validation at random rather than class by class")
    Boolean noStratify;
    @Option(names = "--image-size", paramLabel = "N", description = "folder/synthetic images become NxN")
    Integer imageSize;
    @Option(names = "--channels", paramLabel = "C", description = "folder/synthetic images: 3 (RGB, default) or 1"
            + " (grey)")
    Integer channels;
    @Option(names = "--fit", paramLabel = "crop|pad", description = "folder images: centre-crop or pad")
    String fit;
    @Option(names = "--no-augment", description = "train without augmentation")
    Boolean noAugment;
    @Option(names = "--cutout", paramLabel = "N", description = "Cutout square of N pixels (default off)")
    Integer cutout;
    @Option(names = "--coarse", description = "CIFAR-100: the 20 coarse labels")
    Boolean coarse;
    @Option(names = "--synthetic-size", paramLabel = "N", description = "synthetic data: training images")
    Integer syntheticSize;
    @Option(names = "--synthetic-classes", paramLabel = "N", description = "synthetic data: classes")
    Integer syntheticClasses;
    @Option(names = "--data-workers", paramLabel = "N", description = "batch-building threads (default 1)")
    Integer dataWorkers;
    @Option(names = "--no-download", description = "never download missing official data")
    Boolean noDownload;
    @Option(names = "--allow-checksum-mismatch", description = "accept archives whose MD5 is not the published one")
    Boolean allowChecksumMismatch;

    @Option(names = "--optimizer", paramLabel = "sgd|adamw", description = "optimiser (default sgd)")
    String optimizer;
    @Option(names = "--lr", paramLabel = "LR", description = "learning rate (default 0.1); one-cycle's peak")
    Double lr;
    @Option(names = "--momentum", paramLabel = "M", description = "SGD momentum (default 0.9)")
    Double momentum;
    @Option(names = "--nesterov", description = "Nesterov momentum")
    Boolean nesterov;
    @Option(names = "--weight-decay", paramLabel = "WD", description = "weight decay (default 5e-4)")
    Double weightDecay;
    @Option(names = "--no-decay-bn-bias", description = "exempt BatchNorm weights and biases from weight decay")
    Boolean noDecayBnBias;
    @Option(names = "--betas", paramLabel = "B1,B2", split = ",", description = "AdamW betas (default 0.9,0.999)")
    List<Double> betas;
    @Option(names = "--label-smoothing", paramLabel = "E", description = "label smoothing (default 0)")
    Double labelSmoothing;
    @Option(names = "--grad-clip", paramLabel = "NORM", description = "clip the gradient norm (default off)")
    Double gradClip;

    @Option(names = "--schedule", paramLabel = "KIND", description = "constant (default), multistep, cosine or"
            + " onecycle")
    String schedule;
    @Option(names = "--milestones", paramLabel = "E,E", split = ",", description = "multistep: epochs to divide at")
    List<Double> milestones;
    @Option(names = "--milestone-steps", paramLabel = "S,S", split = ",",
            description = "multistep: iterations to divide at (the paper: 32000,48000)")
    List<Long> milestoneSteps;
    @Option(names = "--gamma", paramLabel = "G", description = "multistep factor (default 0.1)")
    Double gamma;
    @Option(names = "--warmup-epochs", paramLabel = "E", description = "linear warm-up (default 0)")
    Double warmupEpochs;
    @Option(names = "--min-lr", paramLabel = "LR", description = "cosine: final learning rate (default 0)")
    Double minLr;
    @Option(names = "--pct-start", paramLabel = "P", description = "one-cycle: share of steps rising (default 0.3)")
    Double pctStart;

    @Option(names = "--epochs", paramLabel = "N", description = "epochs (default 100)")
    Integer epochs;
    @Option(names = "--batch-size", paramLabel = "N", description = "images per step (default 128)")
    Integer batchSize;
    @Option(names = "--eval-batch-size", paramLabel = "N", description = "images per evaluation pass (default 256)")
    Integer evalBatchSize;
    @Option(names = "--eval-tta", negatable = true, description = "evaluate each epoch with flip test-time"
            + " augmentation")
    Boolean evalTta;
    @Option(names = "--precision", paramLabel = "fp32|bf16", description = "fp32 (default) or bf16 autocast")
    String precision;
    @Option(names = "--channels-last", negatable = true, description = "channels-last layout (default: where it is"
            + " faster: the 6n+2 nets, and basic-block nets in bf16)")
    Boolean channelsLast;
    @Option(names = "--seed", paramLabel = "SEED", description = "seed (default: drawn at random and recorded)")
    Long seed;
    @Option(names = "--deterministic", description = "deterministic kernels: a resumed run repeats an uninterrupted"
            + " one exactly")
    Boolean deterministic;
    @Option(names = "--max-steps", paramLabel = "N", description = "stop (with a checkpoint) after N steps")
    Long maxSteps;
    @Option(names = "--limit-train-batches", paramLabel = "N", description = "train on N batches per epoch")
    Integer limitTrainBatches;
    @Option(names = "--limit-eval-batches", paramLabel = "N", description = "evaluate on N batches (a fixed sample)")
    Integer limitEvalBatches;
    @Option(names = "--threads", paramLabel = "N", description = "libtorch threads (default: one per core)")
    Integer threads;

    @Option(names = "--out", paramLabel = "DIR", description = "run folder (default runs/<model>-<dataset>-<time>)")
    Path out;
    @Option(names = "--resume", paramLabel = "DIR", description = "continue the run in DIR from its last checkpoint")
    Path resume;
    @Option(names = "--json", description = "print one JSON object with the results on stdout (the per-epoch lines"
            + " go to stderr)")
    boolean json;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        TrainListener progress = progress(out, err);
        Trainer trainer;
        if (resume != null) {
            if (this.out != null) {
                throw new IllegalArgumentException("--resume continues the run in its own folder; drop --out");
            }
            trainer = Trainer.resume(resume, progress, this::apply);
        } else {
            TrainConfig c = apply(new TrainConfig());
            Path dir = this.out != null ? this.out : Path.of("runs", c.model() + "-" + c.dataset() + "-"
                    + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
            trainer = Trainer.start(c, dir, progress);
        }
        Interrupts interrupts = Interrupts.install(trainer::requestStop, err);
        TrainResult r;
        try {
            r = trainer.run();
        } finally {
            interrupts.uninstall();
        }
        if (json) {
            Json.print(out, toJson(r));
        }
        if (r.status() == TrainResult.Status.STOPPED) {
            err.println("stopped: checkpoint saved; continue with: resnet4j train --resume " + r.runDirectory());
            return interrupts.exitStatus();
        }
        if (r.status() == TrainResult.Status.MAX_STEPS) {
            err.println("stopped after " + r.steps() + " steps (--max-steps); continue with: resnet4j train --resume "
                    + r.runDirectory() + " --max-steps 0");
        }
        return 0;
    }

    /** Sets every option given on the command line; the rest keep {@code c}'s values. */
    TrainConfig apply(TrainConfig base) {
        TrainConfig c = recipe != null ? Recipes.apply(recipe, base) : base;
        if (model != null) c.model(model);
        if (shortcut != null) c.shortcut(shortcut);
        if (zeroInitResidual != null) c.zeroInitResidual(zeroInitResidual);
        if (init != null) c.init(init);
        if (weights != null) c.weights(weights);
        if (dataset != null) c.dataset(dataset);
        if (dataDir != null) c.dataDir(dataDir);
        if (valSplit != null) c.valSplit(valSplit);
        if (valSeed != null) c.valSeed(valSeed);
        if (noStratify != null) c.stratify(!noStratify);
        if (imageSize != null) c.imageSize(imageSize);
        if (channels != null) c.imageChannels(channels);
        if (fit != null) c.fit(fit.toLowerCase(Locale.ROOT));
        if (noAugment != null) c.augment(!noAugment);
        if (cutout != null) c.cutout(cutout);
        if (coarse != null) c.coarseLabels(coarse);
        if (syntheticSize != null) c.syntheticSize(syntheticSize);
        if (syntheticClasses != null) c.syntheticClasses(syntheticClasses);
        if (dataWorkers != null) c.dataWorkers(dataWorkers);
        if (noDownload != null) c.download(!noDownload);
        if (allowChecksumMismatch != null) c.allowChecksumMismatch(allowChecksumMismatch);
        if (optimizer != null) c.optimizer(optimizer.toLowerCase(Locale.ROOT));
        if (lr != null) c.lr(lr);
        if (momentum != null) c.momentum(momentum);
        if (nesterov != null) c.nesterov(nesterov);
        if (weightDecay != null) c.weightDecay(weightDecay);
        if (noDecayBnBias != null) c.noDecayBnBias(noDecayBnBias);
        if (betas != null) {
            if (betas.size() != 2) {
                throw new IllegalArgumentException("--betas takes two values, for example 0.9,0.999");
            }
            c.beta1(betas.get(0)).beta2(betas.get(1));
        }
        if (labelSmoothing != null) c.labelSmoothing(labelSmoothing);
        if (gradClip != null) c.gradClip(gradClip);
        if (schedule != null) c.schedule(schedule.toLowerCase(Locale.ROOT));
        if (milestones != null) c.milestones(milestones);
        if (milestoneSteps != null) c.milestoneSteps(milestoneSteps);
        if (gamma != null) c.gamma(gamma);
        if (warmupEpochs != null) c.warmupEpochs(warmupEpochs);
        if (minLr != null) c.minLr(minLr);
        if (pctStart != null) c.pctStart(pctStart);
        if (epochs != null) c.epochs(epochs);
        if (batchSize != null) c.batchSize(batchSize);
        if (evalBatchSize != null) c.evalBatchSize(evalBatchSize);
        if (evalTta != null) c.evalTta(evalTta);
        if (precision != null) c.precision(precision.toLowerCase(Locale.ROOT));
        if (channelsLast != null) c.channelsLast(channelsLast);
        if (seed != null) c.seed(seed);
        if (deterministic != null) c.deterministic(deterministic);
        if (maxSteps != null) c.maxSteps(maxSteps);
        if (limitTrainBatches != null) c.limitTrainBatches(limitTrainBatches);
        if (limitEvalBatches != null) c.limitEvalBatches(limitEvalBatches);
        if (threads != null) c.threads(threads);
        return c;
    }

    /** The reference lines on stdout (stderr with --json), progress and notes on stderr. */
    TrainListener progress(PrintWriter out, PrintWriter err) {
        return new TrainProgress(json ? err : out, err);
    }

    private static ObjectNode toJson(TrainResult r) {
        ObjectNode o = Json.object();
        o.put("status", r.status().name().toLowerCase(Locale.ROOT));
        o.put("run_dir", r.runDirectory().toString());
        o.put("steps", r.steps());
        o.put("best_epoch", r.bestEpoch());
        o.put("best_accuracy", r.bestEpoch() == 0 ? null : r.bestAccuracy());
        MetricsRow last = r.last();
        if (last != null) {
            o.put("epochs", last.epoch());
            o.put("train_loss", last.trainLoss());
            o.put("train_acc", last.trainAcc());
            o.put("test_loss", last.testLoss());
            o.put("test_acc", last.testAcc());
            if (last.hasVal()) {
                o.put("val_loss", last.valLoss());
                o.put("val_acc", last.valAcc());
            }
            o.put("images_per_second", last.imagesPerSecond());
        }
        ArrayNode h = o.putArray("history");
        for (MetricsRow m : r.history()) {
            ObjectNode n = h.addObject();
            n.put("epoch", m.epoch());
            n.put("lr", m.lr());
            n.put("train_loss", m.trainLoss());
            n.put("train_acc", m.trainAcc());
            n.put("test_loss", m.testLoss());
            n.put("test_acc", m.testAcc());
            if (m.hasVal()) {
                n.put("val_loss", m.valLoss());
                n.put("val_acc", m.valAcc());
            }
            n.put("seconds", m.seconds());
            n.put("images_per_second", m.imagesPerSecond());
        }
        return o;
    }

    /** Prints the reference lines on {@code lines} and everything else (progress, notes) on stderr. */
    private static final class TrainProgress implements TrainListener {
        private final PrintWriter lines;
        private final PrintWriter err;
        private Progress bar;

        TrainProgress(PrintWriter lines, PrintWriter err) {
            this.lines = lines;
            this.err = err;
        }

        @Override
        public void started(List<String> description) {
            description.forEach(err::println);
        }

        @Override
        public void epochStarted(int epoch, int epochs, int batches, int firstBatch) {
            bar = Progress.start(err, "epoch " + epoch + "/" + epochs, batches, "batches", firstBatch);
        }

        @Override
        public void stepDone(int epoch, int batch, int batches, double loss, double accuracy, double ips) {
            bar.update(batch, String.format(Locale.ROOT, "%.0f img/s, loss %.4f, acc %.2f%%", ips, loss,
                    100 * accuracy));
        }

        @Override
        public void evaluationStarted(String split, int images) {
            bar.finish();
            bar = Progress.start(err, "  " + split, images, "images");
        }

        @Override
        public void evaluationProgress(String split, int done) {
            bar.update(done);
        }

        @Override
        public void evaluationDone(String split) {
            bar.finish();
        }

        @Override
        public void epochEnded(MetricsRow row, String[] referenceLines) {
            for (String l : referenceLines) {
                lines.println(l);
            }
            lines.flush();
        }

        @Override
        public void message(String line) {
            err.println(line);
        }
    }
}
