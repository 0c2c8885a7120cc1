package org.resnet4j.cli;

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
import org.resnet4j.data.BatchSource;
import org.resnet4j.data.DataConfig;
import org.resnet4j.data.DataSettings;
import org.resnet4j.data.DistributedSampler;
import org.resnet4j.data.EvalSplit;
import org.resnet4j.data.Split;
import org.resnet4j.engine.ComputeDevice;
import org.resnet4j.engine.EngineSettings;
import org.resnet4j.engine.InferenceSettings;
import org.resnet4j.eval.EvalData;
import org.resnet4j.eval.FeatureExtractor;
import org.resnet4j.eval.Predictor;
import org.resnet4j.io.Npy;
import org.resnet4j.io.SafeTensors;
import org.resnet4j.io.ModelLoader;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "features", mixinStandardHelpOptions = true,
        description = "Penultimate-layer embeddings of images or a dataset split, as .npy or .safetensors, so"
                + " resnet4j serves as a backbone.")
final class FeaturesCommand extends SettingsCommand implements Callable<Integer> {
    @Mixin
    WeightsOptions source;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "FILE.npy (features only) or"
            + " FILE.safetensors (features, labels, and file names in the metadata)")
    Path out;

    @Option(names = "--split", paramLabel = "SPLIT", description = "features of this split of the dataset (a"
            + " checkpoint's own by default) instead of image arguments")
    Split split;

    @Option(names = "--batch-size", defaultValue = "128", paramLabel = "N", description = "default ${DEFAULT-VALUE}")
    int batchSize;

    @Option(names = "--json", description = "print one JSON object describing what was written")
    boolean json;

    @Parameters(arity = "0..*", paramLabel = "IMAGE_OR_DIR", description = "images, or folders to walk")
    List<Path> inputs = new ArrayList<>();

    @Override
    List<Class<? extends Record>> settingsTypes() {
        return List.of(EngineSettings.class, InferenceSettings.class, DataSettings.class);
    }

    @Override
    public Integer call() throws Exception {
        String name = out.getFileName().toString().toLowerCase(Locale.ROOT);
        if (!name.endsWith(".npy") && !name.endsWith(".safetensors")) {
            throw new IllegalArgumentException("--out must end in .npy or .safetensors");
        }
        if ((split == null) == inputs.isEmpty()) {
            throw new IllegalArgumentException("give either image arguments or --split");
        }
        ComputeDevice device = settings(EngineSettings.class).startOnDevice();
        PrintWriter err = spec.commandLine().getErr();
        ModelLoader.LoadedModel loaded = source.load();
        device.move(loaded.net());
        DataSettings data = settings(EvalData.base(source.weights, loaded.preprocessing(),
                typed("--dataset") || typed("--data-dir")));
        DataConfig c = EvalData.resolve(data, loaded.preprocessing(), EvalData.defaultInput(loaded.net()));
        Predictor predictor = Predictor.of(loaded, c.kind(), settings(InferenceSettings.class).fuse());
        FeatureExtractor.Features f;
        int[] failures = {0};
        if (split != null) {
            EvalSplit images = EvalSplit.open(c, data.storage(), split, loaded.evalTransform(),
                    new DownloadProgress(err));
            if (images.storage() != null) {
                err.println("images " + images.storage());
            }
            if (images.channels() != predictor.preprocessing().channels()) {
                throw new IllegalArgumentException("the data has " + images.channels() + "-channel images but the"
                        + " model takes " + predictor.preprocessing().channels());
            }
            try (BatchSource batches = images.batches(batchSize, data.dataWorkers(),
                    predictor.preprocessing().normalization(), predictor.model().isChannelsLast(),
                    DistributedSampler.WHOLE)) {
                f = FeatureExtractor.ofBatches(predictor, batches);
            }
        } else {
            List<Path> files = ImageArguments.expand(inputs, empty -> {
                err.println(spec.qualifiedName() + ": error: " + empty + ": no " + ImageArguments.KINDS
                        + " in this folder");
                failures[0]++;
            });
            f = FeatureExtractor.ofFiles(predictor, files, batchSize, (file, e) -> {
                err.println(spec.qualifiedName() + ": error: " + Errors.message(e) + " (skipped)");
                failures[0]++;
            });
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
            n.put("skipped", failures[0]);
            Json.print(o, n);
        } else {
            o.printf("%s: %d x %d features from %s%n", out, f.features().length, width,
                    predictor.model().options().name());
        }
        return failures[0] == 0 ? 0 : Errors.FAILURE;
    }
}
