package org.resnet4j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.resnet4j.analysis.GradientCharts;
import org.resnet4j.analysis.GradientFlow;
import org.resnet4j.data.DataConfig;
import org.resnet4j.data.DataSettings;
import org.resnet4j.data.Dataset;
import org.resnet4j.data.Datasets;
import org.resnet4j.data.Split;
import org.resnet4j.engine.ComputeDevice;
import org.resnet4j.engine.EngineSettings;
import org.resnet4j.model.ModelOptions;
import org.resnet4j.model.Shape;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "gradients", mixinStandardHelpOptions = true,
        description = "||dL/dx_l|| at every block's input, last block to first, on a real batch: at initialisation"
                + " and after training steps; a table and a log-scale plot, one line per model.")
final class GradientsCommand extends SettingsCommand implements Callable<Integer> {

    @Option(names = "--model", split = ",", defaultValue = "plain56,resnet56", paramLabel = "NAME[,NAME...]",
            description = "models to compare (default ${DEFAULT-VALUE})")
    List<String> models;

    @Option(names = "--after", split = ",", defaultValue = "0", paramLabel = "STEPS[,STEPS...]",
            description = "measure after these many SGD steps; 0 is initialisation (default ${DEFAULT-VALUE})")
    List<Integer> after;

    @Option(names = "--batch-size", defaultValue = "128", paramLabel = "N", description = "default ${DEFAULT-VALUE}")
    int batchSize;

    @Option(names = "--lr", defaultValue = "0.1", paramLabel = "LR", description = "SGD learning rate of the"
            + " training steps (default ${DEFAULT-VALUE})")
    double lr;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "SEED", description = "default ${DEFAULT-VALUE}")
    long seed;

    @Option(names = "--out", defaultValue = "gradients", paramLabel = "DIR", description = "where the plots go"
            + " (default ${DEFAULT-VALUE})")
    Path out;

    @Option(names = "--json", description = "print one JSON object with every measurement")
    boolean json;

    @Override
    List<Class<? extends Record>> settingsTypes() {
        return List.of(EngineSettings.class, DataSettings.class);
    }

    @Override
    Set<String> excludedSettings() {
        return Set.of("dataWorkers");
    }

    @Override
    public Integer call() throws Exception {
        ComputeDevice device = settings(EngineSettings.class).startOnDevice();
        List<ModelOptions> options = new ArrayList<>();
        for (String m : models) {
            options.add(ModelOptions.of(m));
        }
        Shape input = options.get(0).architecture().defaultInput();
        DataConfig c = settings(DataSettings.class).resolve(input);
        Dataset train = Datasets.load(c, Split.TRAIN, new DownloadProgress(spec.commandLine().getErr()));
        PrintWriter err = spec.commandLine().getErr();
        List<GradientFlow.Measurement> ms = GradientFlow.run(options, train, c.normalization(),
                new GradientFlow.Options(batchSize, after, lr, 1e-4, seed), device, m -> err.printf(Locale.ROOT,
                        "%s after %d steps: loss %.4f, ||dL/dx_1|| / ||dL/dx_L|| = %.3g%n", m.model(), m.step(),
                        m.loss(), m.firstToLastRatio()));
        List<Path> plots = GradientCharts.save(ms, out);
        PrintWriter o = spec.commandLine().getOut();
        if (json) {
            ObjectNode root = Json.object();
            ArrayNode arr = root.putArray("measurements");
            for (GradientFlow.Measurement m : ms) {
                ObjectNode n = arr.addObject();
                n.put("model", m.model());
                n.put("step", m.step());
                n.put("loss", m.loss());
                n.put("first_to_last_ratio", m.firstToLastRatio());
                ArrayNode pts = n.putArray("blocks");
                for (int i = m.points().size() - 1; i >= 0; i--) {
                    pts.addObject().put("name", m.points().get(i)).put("grad_norm", m.inputGradNorms()[i]);
                }
                ObjectNode w = n.putObject("weight_grad_norms");
                m.weightGradNorms().forEach(w::put);
            }
            plots.forEach(p -> root.withArray("plots").add(p.toString()));
            Json.print(o, root);
            return 0;
        }
        for (GradientFlow.Measurement m : ms) {
            o.printf(Locale.ROOT, "%s after %d steps (loss %.4f): ||dL/dx_l||, last block to first%n", m.model(),
                    m.step(), m.loss());
            double last = m.inputGradNorms()[m.inputGradNorms().length - 2];
            for (int i = m.points().size() - 1; i >= 0; i--) {
                o.printf(Locale.ROOT, "  %-10s %12.4e  (x%.3g of the last block's)%n", m.points().get(i),
                        m.inputGradNorms()[i], m.inputGradNorms()[i] / last);
            }
            o.printf("  weight gradients, ||dL/dW||, input to output:%n");
            m.weightGradNorms().forEach((k, v) -> o.printf(Locale.ROOT, "    %-28s %12.4e%n", k, v));
        }
        o.println("plots: " + plots);
        return 0;
    }
}
