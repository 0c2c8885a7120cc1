package org.resnet4j.cli;

import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.resnet4j.dist.DistSettings;
import org.resnet4j.dist.LaunchEnvironment;
import org.resnet4j.dist.PeerLostException;
import org.resnet4j.dist.WorkerGroup;
import org.resnet4j.engine.EngineSettings;
import org.resnet4j.train.MetricsRow;
import org.resnet4j.train.Recipe;
import org.resnet4j.train.RunDirectory;
import org.resnet4j.train.TrainConfig;
import org.resnet4j.train.TrainListener;
import org.resnet4j.train.TrainResult;
import org.resnet4j.train.TrainSetup;
import org.resnet4j.train.Trainer;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code resnet4j train}: with no options, the reference program. Every setting left out keeps the reference value
 * (or the recipe's, or with {@code --resume} the run's recorded value).
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a ResNet. With no options: the reference program (resnet18 on CIFAR-10, 100 epochs,"
                + " batch 128, SGD lr 0.1 momentum 0.9 weight decay 5e-4, crop/flip augmentation, a test-set"
                + " evaluation after every epoch)."})
final class TrainCommand extends SettingsCommand implements Callable<Integer> {
    @Option(names = "--recipe", paramLabel = "NAME", description = "start from a named recipe: reference (the"
            + " default), paper (He et al. 2015 for the 6n+2 nets), fast (time to accuracy: ResNet-9, one-cycle,"
            + " bf16), imagenet (torchvision's ResNet-50 V2 recipe); the options below change it")
    Recipe recipe;
    @Option(names = "--out", paramLabel = "DIR", description = "run folder (default runs/<model>-<dataset>-<time>)")
    Path out;
    @Option(names = "--resume", paramLabel = "DIR", description = "continue the run in DIR from its last checkpoint")
    Path resume;
    @Option(names = "--auto-resume", description = "continue the run in --out when it holds a checkpoint, else start"
            + " it there: for jobs that a scheduler may restart (Kubernetes, Slurm's requeue); on by itself when"
            + " torchrun restarts its workers (--max-restarts)")
    boolean autoResume;
    @Option(names = "--json", description = "print one JSON object with the results on stdout (the per-epoch lines"
            + " go to stderr)")
    boolean json;

    @Override
    List<Class<? extends Record>> settingsTypes() {
        return TrainConfig.PARTS;
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (resume != null && (this.out != null || recipe != null || autoResume)) {
            throw new IllegalArgumentException("--resume continues the run in its own folder with its own recipe;"
                    + " drop --out, --recipe and --auto-resume");
        }
        Optional<LaunchEnvironment> launch = LaunchEnvironment.current();
        if (autoResume && this.out == null) {
            throw new IllegalArgumentException("--auto-resume needs --out: every process and every restart must name"
                    + " the same run folder");
        }
        settings(EngineSettings.class).start();
        try (WorkerGroup group = WorkerGroup.fromEnvironment(settings(DistSettings.class).timeout())) {
            try {
                return train(group, launch.map(LaunchEnvironment::restart).orElse(0) > 0, out, err);
            } catch (Exception e) {
                group.announceFailure(e);
                throw e;
            }
        }
    }

    private int train(WorkerGroup group, boolean restarted, PrintWriter out, PrintWriter err) throws Exception {
        boolean speaks = group.isRankZero();
        TrainListener progress = speaks ? new TrainProgress(json ? err : out, err) : TrainListener.NONE;
        Path resumeFrom = resume;
        if (resume == null && this.out != null && (autoResume || restarted) && "yes".equals(group.broadcastString(
                RunDirectory.holdsCheckpoint(this.out) ? "yes" : "no", "the check for a run to continue"))) {
            resumeFrom = this.out;
            if (speaks) {
                err.println("resuming " + this.out + " from its last checkpoint (" + (restarted
                        ? "restarted by torchrun" : "--auto-resume") + ")");
            }
        }
        Trainer trainer;
        if (resumeFrom != null) {
            trainer = TrainSetup.resume(resumeFrom, progress, recorded -> recorded.overlay(typed()), group);
        } else {
            TrainConfig c = config();
            Path dir = this.out != null ? this.out : Path.of("runs", c.model().model() + "-" + c.data().dataset() + "-"
                    + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
            if (group.isDistributed() && this.out == null) {
                // each process would name the folder by its own clock
                dir = Path.of(group.broadcastString(dir.toString(), "the run folder's name"));
            }
            trainer = TrainSetup.start(c, dir, progress, group);
        }
        // the other ranks stop with rank 0 (the stop is agreed), which says what is happening
        Interrupts interrupts = Interrupts.install(trainer::requestStop, speaks ? err
                : new PrintWriter(Writer.nullWriter()));
        TrainResult r;
        try {
            r = trainer.run();
        } catch (PeerLostException e) {
            throw e.withHint("continue with: resnet4j train --resume " + trainer.runDirectory());
        } finally {
            interrupts.uninstall();
        }
        if (!speaks) {
            // a rank that stopped because another was asked to ends as if it had been sent SIGTERM
            return r.status() == TrainResult.Status.STOPPED ? interrupts.exitStatus(128 + 15) : 0;
        }
        if (json) {
            Json.print(out, toJson(r));
        }
        if (r.skippedSteps() > 0) {
            err.println(r.skippedSteps() + " step(s) skipped for non-finite values (--on-nonfinite skip); see "
                    + r.runDirectory().resolve("train.log"));
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

    /**
     * The recipe (the reference program unless --recipe names another) with every typed option applied; pretrained
     * weights by name choose the model unless --model does.
     */
    TrainConfig config() {
        TrainConfig base = TrainConfig.reference();
        TrainConfig c = (recipe != null ? recipe.applyTo(base) : base).overlay(typed());
        return typed("--model") ? c : c.withModelOfWeights();
    }

    static ObjectNode toJson(TrainResult r) {
        ObjectNode o = Json.object();
        o.put("status", r.status().name().toLowerCase(Locale.ROOT));
        o.put("run_dir", r.runDirectory().toString());
        o.put("steps", r.steps());
        o.put("skipped_steps", r.skippedSteps());
        o.put("best_epoch", r.bestEpoch());
        o.put("best_accuracy", r.bestEpoch() == 0 ? null : r.bestAccuracy());
        MetricsRow last = r.last();
        if (last != null) {
            o.put("epochs", last.epoch());
            put(o, last);
        }
        ArrayNode h = o.putArray("history");
        for (MetricsRow m : r.history()) {
            ObjectNode n = h.addObject();
            n.put("epoch", m.epoch());
            n.put("lr", m.lr());
            put(n, m);
            n.put("seconds", m.seconds());
        }
        return o;
    }

    private static void put(ObjectNode n, MetricsRow m) {
        n.put("train_loss", m.trainLoss());
        n.put("train_acc", m.trainAcc());
        n.put("test_loss", m.testLoss());
        n.put("test_acc", m.testAcc());
        if (m.hasVal()) {
            n.put("val_loss", m.valLoss());
            n.put("val_acc", m.valAcc());
        }
        n.put("images_per_second", m.imagesPerSecond());
    }
}
