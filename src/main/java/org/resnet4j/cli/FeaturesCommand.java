package org.resnet4j.cli;

import java.awt.image.BufferedImage;
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
import org.resnet4j.data.DataLocation;
import org.resnet4j.data.Dataset;
import org.resnet4j.data.DatasetKind;
import org.resnet4j.data.Datasets;
import org.resnet4j.data.ImageDecoder;
import org.resnet4j.data.Preprocessing;
import org.resnet4j.data.Split;
import org.resnet4j.eval.FeatureExtractor;
import org.resnet4j.eval.Predictor;
import org.resnet4j.io.Npy;
import org.resnet4j.io.SafeTensors;
import org.resnet4j.train.Checkpoint;
import org.resnet4j.train.TrainConfig;

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
    PredictionOptions model;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "FILE.npy (features only) or"
            + " FILE.safetensors (features, labels, and file names in the metadata)")
    Path out;

    @Option(names = "--split", paramLabel = "SPLIT", description = "features of this split of --data-dir's dataset"
            + " instead of image arguments")
    String split;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "where the dataset lies (with --split)")
    Path dataDir;

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
            throw new IllegalArgumentException("give either image arguments or --split (with --dataset/--data-dir)");
        }
        engine.start();
        Predictor predictor = model.load();
        FeatureExtractor.Features f;
        if (split != null) {
            Preprocessing p = predictor.preprocessing();
            TrainConfig recorded = Checkpoint.configOf(model.weights);
            DataConfig c;
            if (recorded != null && model.dataset == null && dataDir == null) {
                c = recorded.dataConfig();
            } else {
                DatasetKind kind = DatasetKind.parse(model.dataset != null ? model.dataset : p.dataset());
                c = DataConfig.of(kind, DataLocation.resolve(dataDir)).withFit(p.fit());
                if (kind.shape() == null) {
                    c = c.withImageShape(p.channels(), p.height(), p.width());
                }
            }
            Dataset dataset = Datasets.load(c, Split.parse(split), DataOptions.listener(spec.commandLine().getErr()));
            f = FeatureExtractor.ofDataset(predictor, dataset, batchSize);
        } else {
            List<Path> files = ImageArguments.expand(inputs);
            List<BufferedImage> images = new ArrayList<>();
            for (Path p : files) {
                images.add(ImageDecoder.read(p));
            }
            f = FeatureExtractor.ofImages(predictor, images, files.stream().map(Path::toString).toList(), batchSize);
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
        PrintWriter o = spec.commandLine().getOut();
        if (json) {
            ObjectNode n = Json.object();
            n.put("file", out.toString());
            n.put("rows", f.features().length);
            n.put("features", f.features().length == 0 ? 0 : f.features()[0].length);
            n.put("model", predictor.model().options().name());
            Json.print(o, n);
        } else {
            o.printf("%s: %d x %d features from %s%n", out, f.features().length,
                    f.features().length == 0 ? 0 : f.features()[0].length, predictor.model().options().name());
        }
        return 0;
    }
}
