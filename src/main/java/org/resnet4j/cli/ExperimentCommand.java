package org.resnet4j.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import com.fasterxml.jackson.databind.node.ObjectNode;

import org.resnet4j.analysis.DegradationExperiment;
import org.resnet4j.train.Recipe;
import org.resnet4j.train.TrainConfig;
import org.resnet4j.train.Trainer;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "experiment", mixinStandardHelpOptions = true,
        description = "Reproduce the paper's experiments.", subcommands = {ExperimentCommand.Degradation.class})
final class ExperimentCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "name an experiment: degradation");
    }

    @Command(name = "degradation", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"The paper's Figure 6: plain and residual nets trained with one recipe; training and test"
                    + " error per epoch, one panel each. Every model trains in DIR/<model>; running the same command"
                    + " again resumes an interrupted experiment.",
                "Takes the options of 'train' but --model, --max-steps, --out and --resume; its defaults here: 24"
                    + " epochs, lr 0.1 divided by 10 at epochs 12 and 18, weight decay 1e-4."})
    static final class Degradation extends SettingsCommand implements Callable<Integer> {
        @Parameters(index = "0", defaultValue = "degradation", paramLabel = "DIR",
                description = "experiment folder (default ${DEFAULT-VALUE})")
        Path dir;

        @Option(names = "--models", split = ",", paramLabel = "NAME[,NAME...]",
                defaultValue = "plain20,plain56,resnet20,resnet56", description = "default ${DEFAULT-VALUE}")
        List<String> models;

        @Option(names = "--recipe", paramLabel = "NAME", description = "start from a named recipe (see train --help)")
        Recipe recipe;

        @Option(names = "--json", description = "print one JSON object with each model's final errors")
        boolean json;

        @Override
        List<Class<? extends Record>> settingsTypes() {
            return TrainConfig.PARTS;
        }

        @Override
        Set<String> excludedSettings() {
            return Set.of("model", "maxSteps");
        }

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            TrainConfig base = TrainConfig.reference().with(DegradationExperiment.DEFAULT_RECIPE.toArray(String[]::new));
            TrainConfig recipe = (this.recipe != null ? this.recipe.applyTo(base) : base).overlay(typed());
            AtomicReference<Trainer> current = new AtomicReference<>();
            AtomicBoolean stop = new AtomicBoolean();
            Interrupts interrupts = Interrupts.install(() -> {
                stop.set(true); // also stops an experiment between two models
                Trainer t = current.get();
                if (t != null) {
                    t.requestStop();
                }
            }, err);
            DegradationExperiment.Result r;
            try {
                r = DegradationExperiment.run(models, recipe, dir, new TrainProgress(json ? err : out, err), t -> {
                    current.set(t);
                    if (stop.get()) {
                        t.requestStop();
                    }
                }, stop::get);
            } finally {
                interrupts.uninstall();
            }
            if (!r.complete()) {
                err.println("stopped: run the same command again to resume");
                return interrupts.exitStatus();
            }
            if (json) {
                ObjectNode o = Json.object();
                o.put("plot", r.plot().toString());
                o.put("table", r.table().toString());
                r.runs().forEach((m, rec) -> {
                    ObjectNode n = o.withObject("/models/" + m);
                    n.put("train_error", 1 - rec.last().trainAcc());
                    n.put("test_error", 1 - rec.last().testAcc());
                    n.put("epochs", rec.last().epoch());
                });
                Json.print(out, o);
            } else {
                out.print(Files.readString(r.table()));
                out.println("plot: " + r.plot());
            }
            return 0;
        }
    }
}
