package org.resnet4j.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.bytedeco.pytorch.Tensor;
import org.resnet4j.data.Preprocessing;
import org.resnet4j.data.download.Downloader;
import org.resnet4j.data.transform.EvalTransform;
import org.resnet4j.model.ModelOptions;
import org.resnet4j.model.ResNet;
import org.resnet4j.model.ResNets;
import org.resnet4j.model.Shortcut;

/**
 * Builds the model a weights file holds: from the file's own description, or, for a state dict exported from
 * PyTorch, from the variant a user names and the shapes of the weights themselves.
 */
public final class ModelLoader {
    private ModelLoader() {
    }

    /**
     * A model built from a weights file, the class names the file carries (empty when it has none) and its input
     * preparation (null when the file does not say).
     */
    public record LoadedModel(ResNet net, List<String> classNames, Preprocessing preprocessing) {
        public LoadedModel {
            classNames = List.copyOf(classNames);
        }

        /**
         * The evaluation transform (resize, then centre crop) the weights were measured with: for
         * {@link PretrainedWeights} the registry's, for a run that evaluated streamed images the run's; else null
         * (images are fitted).
         */
        public EvalTransform evalTransform() {
            return preprocessing != null ? preprocessing.evalTransform() : null;
        }
    }

    /**
     * Builds the model the file at {@code path} holds and loads it strictly. The file's own description wins;
     * without one {@code name} says which variant it is.
     */
    public static LoadedModel load(Path path, String name) throws IOException {
        return load(path, name, false, (done, total) -> { });
    }

    /** As {@link #load(Path, String)}; with {@code ema}, a checkpoint's moving average of the weights. */
    public static LoadedModel load(Path path, String name, boolean ema) throws IOException {
        return load(path, name, ema, (done, total) -> { });
    }

    /**
     * As {@link #load(Path, String, boolean)}, where {@code path} may also name {@link PretrainedWeights} (when no
     * such file exists): fetched into the {@link WeightsCache} with {@code progress}, and described by the registry
     * (its variant, ImageNet's class names and its input preparation).
     */
    public static LoadedModel load(Path path, String name, boolean ema, Downloader.Listener progress)
            throws IOException {
        Optional<PretrainedWeights> pretrained = pretrained(path);
        if (pretrained.isEmpty()) {
            return loadFile(path, name, ema);
        }
        PretrainedWeights w = pretrained.get();
        if (name != null && !name.equalsIgnoreCase(w.model())) {
            throw new WeightsFormatException(w.id() + " are weights for " + w.model() + ", not " + name);
        }
        if (ema) {
            throw new IllegalArgumentException(w.id() + " holds no moving average of its weights: drop --use-ema");
        }
        LoadedModel m = loadFile(WeightsCache.standard().fetch(w, progress), w.model(), false);
        return new LoadedModel(m.net(), PretrainedWeights.imagenetClasses(), w.preprocessing());
    }

    /** The registry weights {@code path} names, when it is no file and has a registry name's form. */
    public static Optional<PretrainedWeights> pretrained(Path path) {
        String s = path.toString();
        if (Files.exists(path) || !PretrainedWeights.looksLikeName(s)) {
            return Optional.empty();
        }
        return Optional.of(PretrainedWeights.byName(s));
    }

    /** The file {@code path} stands for: itself, or registry weights fetched into the cache. */
    public static Path localFile(Path path, Downloader.Listener progress) throws IOException {
        Optional<PretrainedWeights> w = pretrained(path);
        return w.isPresent() ? WeightsCache.standard().fetch(w.get(), progress) : path;
    }

    private static LoadedModel loadFile(Path path, String name, boolean ema) throws IOException {
        TensorFile file = Weights.read(path, ema);
        Optional<ModelInfo> info = Weights.modelInfo(path, file);
        ModelOptions options;
        if (info.isPresent() && (name == null || name.equalsIgnoreCase(info.get().options().name()))) {
            options = info.get().options();
        } else if (info.isPresent()) {
            throw new WeightsFormatException(path + " holds a " + info.get().options().name() + ", not a " + name);
        } else if (name == null) {
            throw new WeightsFormatException(path + " does not say which model it holds; name it with --model");
        } else {
            ModelOptions base = ModelOptions.of(name);
            try {
                options = inferOptions(base, file.tensors());
            } catch (IllegalArgumentException e) {
                throw new WeightsFormatException(path + ": " + e.getMessage() + ", as its weights' shapes say", e);
            }
        }
        ResNet net = ResNets.create(options);
        StateDict.load(net, file.tensors(), true);
        return new LoadedModel(net, info.map(ModelInfo::classNames).orElse(List.of()),
                info.map(ModelInfo::preprocessing).orElse(null));
    }

    /**
     * The options of a state dict without a description: class and input-channel counts read off the classifier's
     * and the first convolution's shapes, and option B where projection weights exist.
     */
    static ModelOptions inferOptions(ModelOptions base, Map<String, Tensor> tensors) {
        ModelOptions o = base;
        Tensor fc = tensors.get("fc.weight");
        if (fc != null && fc.dim() == 2) {
            o = o.withClasses(count(fc.size(0)));
        }
        Tensor conv1 = tensors.get("conv1.weight");
        if (conv1 != null && conv1.dim() == 4) {
            o = o.withInChannels(count(conv1.size(1)));
        }
        // an option-A net has no projection weights; any "<name>.0.weight" under a block means option B
        String marker = "." + o.architecture().shortcutName() + ".0.weight";
        if (o.shortcut() == Shortcut.A && tensors.keySet().stream().anyMatch(k -> k.endsWith(marker))) {
            o = o.withShortcut(Shortcut.B);
        }
        return o;
    }

    /** A count read off a shape; values beyond an int are left for the options' own bounds to refuse. */
    private static int count(long size) {
        return (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, size));
    }
}
