package org.resnet4j.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.Set;
import java.util.Locale;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.resnet4j.engine.EngineSettings;
import org.resnet4j.model.LayerRow;
import org.resnet4j.model.ModelOptions;
import org.resnet4j.model.ResNet;
import org.resnet4j.model.ResNets;
import org.resnet4j.model.Shape;
import org.resnet4j.model.Shortcut;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "summary", mixinStandardHelpOptions = true,
        description = "The layer table of a model: output shapes, parameters and multiply-adds per layer.")
final class SummaryCommand extends SettingsCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "NAME", description = "variant, for example resnet18")
    String model;

    @Option(names = "--input", paramLabel = "CxHxW", description = "input shape (default: the variant's, 3x32x32"
            + " for CIFAR nets, 3x224x224 for ImageNet nets)")
    String input;

    @Option(names = "--classes", paramLabel = "N", description = "number of classes (default: the variant's)")
    Integer classes;

    @Option(names = "--shortcut", paramLabel = "A|B", description = "shortcut option for the 6n+2 nets")
    String shortcut;

    @Option(names = "--depth", paramLabel = "D", defaultValue = "2",
            description = "rows down to this depth: 1 stages, 2 blocks, 3 layers (default ${DEFAULT-VALUE})")
    int depth;

    @Option(names = "--json", description = "print one JSON object")
    boolean json;

    @Override
    List<Class<? extends Record>> settingsTypes() {
        return List.of(EngineSettings.class);
    }

    @Override
    Set<String> excludedSettings() {
        return EngineSettings.DEVICE_SETTINGS; // runs on the CPU whatever the device
    }

    @Override
    public Integer call() {
        settings(EngineSettings.class).start();
        ModelOptions options = ModelOptions.of(model);
        Shape shape = input == null ? options.architecture().defaultInput() : Shape.parse(input);
        options = options.withInChannels((int) shape.channels());
        if (classes != null) {
            options = options.withClasses(classes);
        }
        if (shortcut != null) {
            options = options.withShortcut(Shortcut.parse(shortcut));
        }
        ResNet net = ResNets.create(options);
        List<LayerRow> rows = net.summary(shape, Math.max(1, depth));
        List<LayerRow> all = net.summary(shape, Integer.MAX_VALUE);
        long params = net.parameterCount();
        long macs = all.stream().filter(r -> r.depth() == 1).mapToLong(LayerRow::multiplyAdds).sum();
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Json.print(out, toJson(net, shape, rows, params, macs));
        } else {
            printTable(out, net, shape, rows, params, macs);
        }
        return 0;
    }

    private static ObjectNode toJson(ResNet net, Shape shape, List<LayerRow> rows, long params, long macs) {
        ObjectNode o = Json.object();
        o.put("model", net.options().name());
        o.putArray("input").add(shape.channels()).add(shape.height()).add(shape.width());
        o.put("classes", net.options().numClasses());
        o.put("shortcut", net.options().shortcut().name());
        ArrayNode layers = o.putArray("layers");
        for (LayerRow r : rows) {
            ObjectNode l = layers.addObject();
            l.put("name", r.name());
            l.put("type", r.kind());
            l.putArray("output").add(r.output().channels()).add(r.output().height()).add(r.output().width());
            l.put("parameters", r.parameters());
            l.put("multiply_adds", r.multiplyAdds());
            l.put("depth", r.depth());
        }
        o.put("total_parameters", params);
        o.put("total_multiply_adds", macs);
        return o;
    }

    private static void printTable(PrintWriter out, ResNet net, Shape shape, List<LayerRow> rows, long params,
            long macs) {
        out.printf("%s: %s, input %s, %d classes%n", net.options().name(), net.architecture().description(), shape,
                net.options().numClasses());
        String fmt = "%-28s %-48s %-13s %12s %14s%n";
        out.printf(fmt, "Layer", "Type", "Output", "Params", "Mult-adds");
        out.println("-".repeat(119));
        for (LayerRow r : rows) {
            String name = "  ".repeat(r.depth() - 1) + r.name();
            out.printf(fmt, name, r.kind(), r.output(), String.format(Locale.ROOT, "%,d", r.parameters()),
                    String.format(Locale.ROOT, "%,d", r.multiplyAdds()));
        }
        out.println("-".repeat(119));
        out.printf(Locale.ROOT, "Total parameters: %,d%n", params);
        out.printf(Locale.ROOT, "Multiply-adds per image: %,d (%.3f G)%n", macs, macs / 1e9);
        out.printf(Locale.ROOT, "Weights in fp32: %.1f MiB%n", params * 4 / 1048576.0);
    }
}
