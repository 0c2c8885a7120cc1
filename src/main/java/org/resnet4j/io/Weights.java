package org.resnet4j.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.bytedeco.pytorch.Tensor;
import org.resnet4j.data.ImageDecoder;
import org.resnet4j.data.Normalization;
import org.resnet4j.data.Preprocessing;
import org.resnet4j.model.InitScheme;
import org.resnet4j.model.ModelOptions;
import org.resnet4j.model.ResNet;
import org.resnet4j.model.ResNets;
import org.resnet4j.model.Shortcut;

/**
 * Model weights on disk: safetensors files (resnet4j's own format, with the model's options in the metadata), state
 * dicts saved by {@code torch.save}, and the model part of resnet4j checkpoints.
 */
public final class Weights {
    /** Metadata key holding the model's options (and class names) as JSON. */
    public static final String MODEL_KEY = "resnet4j.model";
    /** Metadata key marking a checkpoint; its model tensors carry the {@link #CHECKPOINT_MODEL_PREFIX}. */
    public static final String CHECKPOINT_KEY = "resnet4j.checkpoint";
    public static final String CHECKPOINT_MODEL_PREFIX = "model.";
    /** The checkpoint layout this version writes and reads. */
    public static final int CHECKPOINT_FORMAT = 1;
    private static final ObjectMapper JSON = new ObjectMapper();

    private Weights() {
    }

    /**
     * What a weights file says about the model it holds: its options, class names, and how its input was prepared
     * (null when unknown).
     */
    public record ModelInfo(ModelOptions options, List<String> classNames, Preprocessing preprocessing) {
        public ModelInfo {
            classNames = classNames == null ? List.of() : List.copyOf(classNames);
        }
    }

    /**
     * Writes the model's state dict atomically: as safetensors with the model's description in the metadata, or, for
     * a {@code .pt}/{@code .pth} name, as {@code torch.save} writes it (a format with no room for the description).
     */
    public static void save(ResNet net, List<String> classNames, Preprocessing preprocessing, Path path)
            throws IOException {
        if (net.isFolded()) {
            throw new IllegalArgumentException("a model with BatchNorm folded into its convolutions has no state dict"
                    + " of its own (the folded biases are not parameters); save it before folding");
        }
        if (isTorchSaveName(path)) {
            TorchSaveWriter.write(path, StateDict.of(net));
            return;
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.put(MODEL_KEY, toJson(new ModelInfo(net.options(), classNames, preprocessing)));
        SafeTensors.write(path, StateDict.of(net), meta);
    }

    /** Whether {@link #save} writes {@code path} in {@code torch.save}'s format. */
    public static boolean isTorchSaveName(Path path) {
        String name = path.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        return name.endsWith(".pt") || name.endsWith(".pth");
    }

    /** Reads a weights file of any supported kind, as a state dict and whatever model description it carries. */
    public static TensorFile read(Path path) throws IOException {
        if (!Files.exists(path)) {
            throw new NoSuchFileException(path.toString(), null, "no such weights file");
        }
        if (Files.isDirectory(path)) {
            throw new WeightsFormatException(path + ": is a directory, not a weights file");
        }
        if (SafeTensors.looksLike(path)) {
            TensorFile f = SafeTensors.read(path);
            if (!f.metadata().containsKey(CHECKPOINT_KEY)) {
                return f;
            }
            try {
                checkCheckpointFormat(path, JSON.readTree(f.metadata().get(CHECKPOINT_KEY)));
            } catch (JsonProcessingException e) {
                throw new WeightsFormatException(path + ": unreadable checkpoint metadata (" + e.getOriginalMessage()
                        + ")", e);
            }
            Map<String, Tensor> model = new LinkedHashMap<>();
            f.tensors().forEach((k, v) -> {
                if (k.startsWith(CHECKPOINT_MODEL_PREFIX)) {
                    model.put(k.substring(CHECKPOINT_MODEL_PREFIX.length()), v);
                }
            });
            return new TensorFile(model, f.metadata());
        }
        if (TorchSaveReader.looksLike(path)) {
            return new TensorFile(TorchSaveReader.read(path), Map.of());
        }
        throw new WeightsFormatException(path + ": neither a safetensors file nor a torch.save archive (.pt/.pth)");
    }

    /** Refuses checkpoints of another layout, naming the newer version when that is the reason. */
    public static void checkCheckpointFormat(Path path, JsonNode checkpointMeta) throws WeightsFormatException {
        int format = checkpointMeta.path("format").asInt(-1);
        if (format > CHECKPOINT_FORMAT) {
            throw new WeightsFormatException(path + ": checkpoint format " + format + " is newer than this resnet4j"
                    + " reads (" + CHECKPOINT_FORMAT + "); update resnet4j to use it");
        }
        if (format != CHECKPOINT_FORMAT) {
            throw new WeightsFormatException(path + ": unknown checkpoint format " + checkpointMeta.path("format"));
        }
    }

    /** The model description in a file's metadata, if it has one. */
    public static Optional<ModelInfo> modelInfo(TensorFile file) throws WeightsFormatException {
        String json = file.metadata().get(MODEL_KEY);
        return json == null ? Optional.empty() : Optional.of(fromJson(json));
    }

    /**
     * A model built from a weights file, the class names the file carries (empty when it has none) and its input
     * preparation (null when the file does not say).
     */
    public record LoadedModel(ResNet net, List<String> classNames, Preprocessing preprocessing) {
        public LoadedModel {
            classNames = List.copyOf(classNames);
        }
    }

    /**
     * Builds the model a weights file holds and loads it strictly. The file's own description wins; without one
     * (a state dict exported from PyTorch) {@code name} says which variant it is, and the class and input-channel
     * counts are read off the classifier's and the first convolution's shapes.
     */
    public static LoadedModel loadModel(Path path, String name) throws IOException {
        TensorFile file = read(path);
        Optional<ModelInfo> info = modelInfo(file);
        ModelOptions options;
        if (info.isPresent() && (name == null || name.equalsIgnoreCase(info.get().options().name()))) {
            options = info.get().options();
        } else if (info.isPresent()) {
            throw new WeightsFormatException(path + " holds a " + info.get().options().name() + ", not a " + name);
        } else if (name == null) {
            throw new WeightsFormatException(path + " does not say which model it holds; name it with --model");
        } else {
            options = inferOptions(ModelOptions.of(name), file.tensors());
        }
        ResNet net = ResNets.create(options);
        StateDict.load(net, file.tensors(), true);
        return new LoadedModel(net, info.map(ModelInfo::classNames).orElse(List.of()),
                info.map(ModelInfo::preprocessing).orElse(null));
    }

    private static ModelOptions inferOptions(ModelOptions base, Map<String, Tensor> tensors) {
        ModelOptions o = base;
        Tensor fc = tensors.get("fc.weight");
        if (fc != null && fc.dim() == 2) {
            o = o.withClasses((int) fc.size(0));
        }
        Tensor conv1 = tensors.get("conv1.weight");
        if (conv1 != null && conv1.dim() == 4) {
            o = o.withInChannels((int) conv1.size(1));
        }
        // an option-A net has no projection weights; any "<name>.0.weight" under a block means option B
        String marker = "." + o.architecture().shortcutName() + ".0.weight";
        if (o.shortcut() == Shortcut.A && tensors.keySet().stream().anyMatch(k -> k.endsWith(marker))) {
            o = o.withShortcut(Shortcut.B);
        }
        return o;
    }

    /** Loads the file's weights into {@code net}; see {@link StateDict#load} for strictness. */
    public static LoadReport loadInto(ResNet net, Path path, boolean strict) throws IOException {
        return StateDict.load(net, read(path).tensors(), strict);
    }

    public static String toJson(ModelInfo info) {
        ObjectNode n = JSON.createObjectNode();
        ModelOptions o = info.options();
        n.put("name", o.name());
        n.put("in_channels", o.inChannels());
        n.put("classes", o.numClasses());
        n.put("shortcut", o.shortcut().name());
        n.put("zero_init_residual", o.zeroInitResidual());
        n.put("init", o.init().name().toLowerCase(java.util.Locale.ROOT));
        info.classNames().forEach(n.putArray("class_names")::add);
        Preprocessing p = info.preprocessing();
        if (p != null) {
            ObjectNode d = n.putObject("input");
            d.put("dataset", p.dataset());
            d.putArray("shape").add(p.channels()).add(p.height()).add(p.width());
            d.put("fit", p.fit().name().toLowerCase(java.util.Locale.ROOT));
            ArrayNode mean = d.putArray("mean");
            ArrayNode std = d.putArray("std");
            for (int c = 0; c < p.normalization().channels(); c++) {
                mean.add(p.normalization().mean()[c]);
                std.add(p.normalization().std()[c]);
            }
        }
        return n.toString();
    }

    public static ModelInfo fromJson(String json) throws WeightsFormatException {
        try {
            JsonNode n = JSON.readTree(json);
            ModelOptions base = ModelOptions.of(n.get("name").asText());
            ModelOptions o = base.withInChannels(n.get("in_channels").asInt())
                    .withClasses(n.get("classes").asInt())
                    .withShortcut(Shortcut.parse(n.get("shortcut").asText()))
                    .withZeroInitResidual(n.path("zero_init_residual").asBoolean(false))
                    .withInit(n.has("init") ? InitScheme.parse(n.get("init").asText()) : base.init());
            List<String> names = new ArrayList<>();
            n.path("class_names").forEach(c -> names.add(c.asText()));
            Preprocessing p = null;
            JsonNode d = n.get("input");
            if (d != null) {
                float[] mean = new float[d.get("mean").size()];
                float[] std = new float[mean.length];
                for (int c = 0; c < mean.length; c++) {
                    mean[c] = (float) d.get("mean").get(c).asDouble();
                    std[c] = (float) d.get("std").get(c).asDouble();
                }
                JsonNode shape = d.get("shape");
                p = new Preprocessing(d.get("dataset").asText(), shape.get(0).asInt(), shape.get(1).asInt(),
                        shape.get(2).asInt(), ImageDecoder.Fit.valueOf(d.get("fit").asText().toUpperCase(
                                java.util.Locale.ROOT)), new Normalization(mean, std));
            }
            return new ModelInfo(o, names, p);
        } catch (JsonProcessingException | NullPointerException | IllegalArgumentException e) {
            throw new WeightsFormatException("unreadable model description in weights metadata: " + e.getMessage(), e);
        }
    }
}
