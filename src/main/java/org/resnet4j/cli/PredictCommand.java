package org.resnet4j.cli;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.resnet4j.engine.EngineSettings;
import org.resnet4j.data.ImageDecoder;
import org.resnet4j.eval.Predictor;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "predict", mixinStandardHelpOptions = true,
        description = "Classify images (PNG, JPEG, BMP, GIF; any size and colour mode); folders are walked.")
final class PredictCommand extends SettingsCommand implements Callable<Integer> {

    @Mixin
    PredictionOptions model;

    @Option(names = "--top-k", defaultValue = "5", paramLabel = "K", description = "classes per image (default"
            + " ${DEFAULT-VALUE})")
    int topK;

    @Option(names = "--batch-size", defaultValue = "64", paramLabel = "N", description = "images per forward pass"
            + " (default ${DEFAULT-VALUE})")
    int batchSize;

    @Option(names = "--json", description = "print one JSON object: predictions and errors")
    boolean json;

    @Parameters(arity = "1..*", paramLabel = "IMAGE_OR_DIR", description = "images, or folders to walk")
    List<Path> inputs;

    @Override
    List<Class<? extends Record>> settingsTypes() {
        return List.of(EngineSettings.class);
    }

    @Override
    public Integer call() throws Exception {
        if (topK < 1 || batchSize < 1) {
            throw new IllegalArgumentException("--top-k and --batch-size must be at least 1");
        }
        settings(EngineSettings.class).start();
        List<Path> files = ImageArguments.expand(inputs);
        Predictor predictor = model.load();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ObjectNode o = Json.object();
        ArrayNode predictions = o.putArray("predictions");
        ArrayNode errors = o.putArray("errors");
        for (int from = 0; from < files.size(); from += batchSize) {
            List<Path> ok = new ArrayList<>();
            List<BufferedImage> images = new ArrayList<>();
            for (Path f : files.subList(from, Math.min(files.size(), from + batchSize))) {
                try {
                    images.add(ImageDecoder.read(f));
                    ok.add(f);
                } catch (IOException e) {
                    err.println(spec.qualifiedName() + ": error: " + Errors.message(e) + " (skipped)");
                    errors.addObject().put("file", f.toString()).put("error", Errors.message(e));
                }
            }
            if (images.isEmpty()) {
                continue;
            }
            List<Predictor.Prediction> ps = predictor.predict(images, topK);
            for (int i = 0; i < ps.size(); i++) {
                ObjectNode n = predictions.addObject().put("file", ok.get(i).toString());
                ArrayNode top = n.putArray("top");
                ps.get(i).top().forEach(s -> top.addObject().put("class", s.name()).put("index", s.index())
                        .put("probability", s.probability()));
                if (!json) {
                    out.println(ok.get(i) + ": " + ps.get(i).top().stream().map(s -> String.format(Locale.ROOT,
                            "%s %.2f%%", s.name(), 100 * s.probability())).collect(Collectors.joining(", ")));
                }
            }
        }
        if (json) {
            Json.print(out, o);
        }
        return errors.isEmpty() ? 0 : Errors.FAILURE;
    }
}
