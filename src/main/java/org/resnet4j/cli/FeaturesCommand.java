package org.resnet4j.cli;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.node.ObjectNode;

import org.bytedeco.pytorch.Tensor;
import org.resnet4j.data.DataConfig;
import org.resnet4j.data.Dataset;
import org.resnet4j.data.Datasets;
import org.resnet4j.data.ImageDecoder;
import org.resnet4j.data.Split;
import org.resnet4j.eval.FeatureExtractor;
import org.resnet4j.eval.Predictor;
import org.resnet4j.io.Npy;
import org.resnet4j.io.SafeTensors;
import org.resnet4j.io.Weights;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "features", mixinStandardHelpOptions = true,
        description = "Penultimate-layer embeddings of images or a dataset split, as .npy or .safetensors, so"
                + " resnet4j serves as a backbone.")
final class FeaturesCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    EngineOptions engine;

    @Mixin
    WeightsOptions source;

    @Mixin
    DataOptions data;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "FILE.npy (features only) or"
            + " FILE.safetensors (features, labels, and file names in the metadata)")
    Path out;

    @Option(names = "--split", paramLabel = "SPLIT", description = "features of this split of the dataset (a"
            + " checkpoint's own by default) instead of image arguments")
    String split;

    @Option(names = "--batch-size", defaultValue = "128", paramLabel = "N", description = "default ${DEFAULT-VALUE}")
    int batchSize;

    @Option(names = "--json", description = "print one JSON object describing what was written")
    boolean json;

    @Parameters(arity = "0..*", paramLabel = "IMAGE_OR_DIR", description = "images, or folders to walk")
    List<Path> inputs = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        String name = out.getFileName().toString().toLowerCase(Locale.ROOT);
        if (!name.endsWith(".npy") && !name.endsWith(".safetensors")) {
            throw new IllegalArgumentException("--out must end in .npy or .safetensors");
        }
        if ((split == null) == inputs.isEmpty()) {
            throw new IllegalArgumentException("give either image arguments or --split");
        }
        engine.start();
        PrintWriter err = spec.commandLine().getErr();
        Weights.LoadedModel loaded = source.load();
        DataConfig c = data.configFor(source.weights, loaded);
        Predictor predictor = Predictor.of(loaded, c.kind());
        FeatureExtractor.Features f;
        int failures = 0;
        if (split != null) {
            Dataset dataset = Datasets.load(c, Split.parse(split), DataOptions.listener(err));
            f = FeatureExtractor.ofDataset(predictor, dataset, batchSize);
        } else {
            List<Path> empty = new ArrayList<>();
            List<Path> files = ImageArguments.expand(inputs, empty::add);
            for (Path e : empty) {
                err.println(spec.qualifiedName() + ": error: " + e + ": no " + ImageArguments.KINDS + " in this folder");
                failures++;
            }
            List<float[]> rows = new ArrayList<>();
            List<String> names = new ArrayList<>();
            for (int from = 0; from < files.size(); from += batchSize) {
                List<BufferedImage> images = new ArrayList<>();
                for (Path p : files.subList(from, Math.min(files.size(), from + batchSize))) {
                    try {
                        images.add(ImageDecoder.read(p));
                        names.add(p.toString());
                    } catch (IOException e) {
                        err.println(spec.qualifiedName() + ": error: " + Errors.message(e) + " (skipped)");
                        failures++;
                    }
                }
                if (!images.isEmpty()) {
                    rows.addAll(List.of(predictor.features(images)));
                }
            }
            f = new FeatureExtractor.Features(rows.toArray(new float[0][]), null, names, predictor.classNames(),
                    predictor.model().options().name());
        }
        if (name.endsWith(".npy")) {
            Npy.write(out, f.features());
        } else {
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            tensors.put("features", f.featureTensor());
            if (f.labels() != null) {
                tensors.put("labels", f.labelTensor());
            }
            SafeTensors.write(out, tensors, f.metadata());
        }
        int width = f.features().length == 0 ? 0 : f.features()[0].length;
        PrintWriter o = spec.commandLine().getOut();
        if (json) {
            ObjectNode n = Json.object();
            n.put("file", out.toString());
            n.put("rows", f.features().length);
            n.put("features", width);
            n.put("model", predictor.model().options().name());
            n.put("skipped", failures);
            Json.print(o, n);
        } else {
            o.printf("%s: %d x %d features from %s%n", out, f.features().length, width,
                    predictor.model().options().name());
        }
        return failures == 0 ? 0 : Errors.FAILURE;
    }
}
