package org.resnet4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import java.util.stream.Collectors;

import com.fasterxml.jackson.core.JsonGenerator;

import org.resnet4j.data.ImageInputSettings;
import org.resnet4j.data.ImageLimits;
import org.resnet4j.engine.EngineSettings;
import org.resnet4j.engine.InferenceSettings;
import org.resnet4j.eval.FilePredictor;
import org.resnet4j.eval.Predictor;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "predict", mixinStandardHelpOptions = true,
        description = {"Classify images (PNG, JPEG, BMP, GIF; any size and colour mode); folders are walked.",
                "Results are printed batch by batch as they are computed; a file that cannot be read (unreadable,"
                        + " truncated, too large) is reported on stderr and skipped, and the exit status is then 1."})
final class PredictCommand extends SettingsCommand implements Callable<Integer> {
    @Mixin
    PredictionOptions model;

    @Option(names = "--top-k", defaultValue = "5", paramLabel = "K", description = "classes per image (default"
            + " ${DEFAULT-VALUE})")
    int topK;

    @Option(names = "--batch-size", defaultValue = "64", paramLabel = "N", description = "images per forward pass"
            + " (default ${DEFAULT-VALUE})")
    int batchSize;

    @Option(names = "--json", description = "print one JSON object, {\"predictions\": [...], \"errors\": [...]},"
            + " its predictions streamed as they are computed")
    boolean json;

    @Parameters(arity = "1..*", paramLabel = "IMAGE_OR_DIR", description = "images, or folders to walk")
    List<Path> inputs;

    @Override
    List<Class<? extends Record>> settingsTypes() {
        return List.of(EngineSettings.class, InferenceSettings.class, ImageInputSettings.class);
    }

    @Override
    public Integer call() throws Exception {
        if (topK < 1 || batchSize < 1) {
            throw new IllegalArgumentException("--top-k and --batch-size must be at least 1");
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        settings(ImageInputSettings.class).apply();
        Consumer<String> warnings = ImageLimits.setWarnings(m -> err.println(spec.qualifiedName() + ": " + m));
        try {
            return predict(out, err);
        } finally {
            ImageLimits.setWarnings(warnings);
        }
    }

    private int predict(PrintWriter out, PrintWriter err) throws IOException {
        List<String[]> errors = new ArrayList<>();
        List<Path> files = ImageArguments.expand(inputs, folder -> {
            String m = folder + ": no " + ImageArguments.KINDS + " in this folder";
            err.println(spec.qualifiedName() + ": error: " + m);
            errors.add(new String[] {folder.toString(), m});
        });
        Predictor predictor = model.load(settings(EngineSettings.class).startOnDevice(),
                settings(InferenceSettings.class).fuse());
        FilePredictor filePredictor = new FilePredictor(predictor, batchSize);
        JsonGenerator g = json ? Json.generator(out) : null;
        if (g != null) {
            g.writeStartObject();
            g.writeArrayFieldStart("predictions");
        }
        filePredictor.run(files, topK, new FilePredictor.Sink() {
            @Override
            public void prediction(Path file, Predictor.Prediction p) {
                if (g == null) {
                    out.println(file + ": " + p.top().stream().map(s -> String.format(Locale.ROOT, "%s %.2f%%",
                            s.name(), 100 * s.probability())).collect(Collectors.joining(", ")));
                    return;
                }
                try {
                    g.writeStartObject();
                    g.writeStringField("file", file.toString());
                    g.writeArrayFieldStart("top");
                    for (Predictor.Scored s : p.top()) {
                        g.writeStartObject();
                        g.writeStringField("class", s.name());
                        g.writeNumberField("index", s.index());
                        g.writeNumberField("probability", s.probability());
                        g.writeEndObject();
                    }
                    g.writeEndArray();
                    g.writeEndObject();
                    g.flush();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }

            @Override
            public void failure(Path file, String message) {
                err.println(spec.qualifiedName() + ": error: " + message + " (skipped)");
                err.flush();
                errors.add(new String[] {file.toString(), message});
            }
        });
        if (g != null) {
            g.writeEndArray();
            g.writeArrayFieldStart("errors");
            for (String[] e : errors) {
                g.writeStartObject();
                g.writeStringField("file", e[0]);
                g.writeStringField("error", e[1]);
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
            g.flush();
            out.println();
        }
        out.flush();
        return errors.isEmpty() ? 0 : Errors.FAILURE;
    }
}
