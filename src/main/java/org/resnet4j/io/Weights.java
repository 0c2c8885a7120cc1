package org.resnet4j.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import org.bytedeco.pytorch.Tensor;
import org.resnet4j.data.Preprocessing;
import org.resnet4j.model.ResNet;

/**
 * Model weights on disk, whatever the file: safetensors (resnet4j's own format, with a {@link ModelInfo} in the
 * metadata), state dicts saved by {@code torch.save}, and the model part of resnet4j checkpoints.
 */
public final class Weights {
    private Weights() {
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
        meta.put(ModelInfo.KEY, new ModelInfo(net.options(), classNames, preprocessing).toJson());
        SafeTensors.write(path, StateDict.of(net), meta);
    }

    /** Whether {@link #save} writes {@code path} in {@code torch.save}'s format. */
    public static boolean isTorchSaveName(Path path) {
        String name = path.getFileName().toString().toLowerCase(Locale.ROOT);
        return name.endsWith(".pt") || name.endsWith(".pth");
    }

    /** Reads a weights file of any supported kind, as a state dict and whatever model description it carries. */
    public static TensorFile read(Path path) throws IOException {
        return read(path, false);
    }

    /**
     * As {@link #read(Path)}; with {@code ema}, a checkpoint's moving average of the weights ({@code --ema-decay})
     * instead of the trained weights, as timm's {@code --use-ema} loads {@code state_dict_ema}.
     */
    public static TensorFile read(Path path, boolean ema) throws IOException {
        if (!Files.exists(path)) {
            throw new NoSuchFileException(path.toString(), null, "no such weights file");
        }
        if (Files.isDirectory(path)) {
            throw new WeightsFormatException(path + ": is a directory, not a weights file");
        }
        if (SafeTensors.looksLike(path)) {
            TensorFile f = SafeTensors.read(path);
            if (!CheckpointFormat.isCheckpoint(f)) {
                return f;
            }
            // refuses versions this resnet4j cannot read, and damaged files
            CheckpointFormat.verify(path, f, CheckpointFormat.record(path, f));
            if (ema) {
                Map<String, Tensor> average = CheckpointFormat.tensors(f, CheckpointFormat.EMA_PREFIX);
                if (average.isEmpty()) {
                    throw new WeightsFormatException(path + ": holds no moving average of the weights (trained"
                            + " without --ema-decay)");
                }
                return new TensorFile(average, f.metadata());
            }
            return new TensorFile(CheckpointFormat.modelTensors(f), f.metadata());
        }
        if (ema) {
            throw new WeightsFormatException(path + ": --use-ema needs a resnet4j checkpoint, not a weights file");
        }
        if (TorchSaveReader.looksLike(path)) {
            return new TensorFile(TorchSaveReader.read(path), Map.of());
        }
        if (TorchSaveReader.looksLikeLegacy(path)) {
            return new TensorFile(TorchSaveReader.readLegacy(path), Map.of());
        }
        throw new WeightsFormatException(path + ": neither a safetensors file nor a torch.save archive (.pt/.pth)");
    }

    /** The model description in a file's metadata, if it has one; {@code path} names the file in errors. */
    public static Optional<ModelInfo> modelInfo(Path path, TensorFile file) throws WeightsFormatException {
        String json = file.metadata().get(ModelInfo.KEY);
        return json == null ? Optional.empty() : Optional.of(ModelInfo.fromJson(json, path.toString()));
    }

    /** Loads the file's weights into {@code net}; see {@link StateDict#load} for strictness. */
    public static LoadReport loadInto(ResNet net, Path path, boolean strict) throws IOException {
        return StateDict.load(net, read(path).tensors(), strict);
    }
}
