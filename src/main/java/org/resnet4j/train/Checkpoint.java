package org.resnet4j.train;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.resnet4j.data.Preprocessing;
import org.resnet4j.engine.LossScaler;
import org.resnet4j.engine.Tensors;
import org.resnet4j.io.CheckpointFormat;
import org.resnet4j.io.ModelInfo;
import org.resnet4j.io.SafeTensors;
import org.resnet4j.io.StateDict;
import org.resnet4j.io.TensorFile;
import org.resnet4j.io.Weights;
import org.resnet4j.io.WeightsFormatException;
import org.resnet4j.model.ResNet;

/**
 * What a checkpoint records besides the weights and the optimiser's state: the run's configuration (null for runs
 * assembled by hand), where it stands, and the class names and input preparation that let {@code eval} and
 * {@code predict} use it as weights. The layout on disk is {@link CheckpointFormat}'s; files are written atomically.
 */
public record Checkpoint(TrainConfig config, TrainState state, List<String> classNames, Preprocessing preprocessing) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * A checkpoint read back: its record, the model's state dict and the optimiser's state; {@code verified} is false
     * for checkpoints written before resnet4j kept checksums (nothing could be checked).
     */
    public record Contents(Checkpoint checkpoint, Map<String, Tensor> model, byte[] optimizer, boolean verified,
            Map<String, Tensor> ema) {
        public TrainConfig config() {
            return checkpoint.config();
        }

        public TrainState state() {
            return checkpoint.state();
        }
    }

    public static void write(Path path, Checkpoint c, ResNet net, byte[] optimizerState) throws IOException {
        write(path, null, c, net, optimizerState);
    }

    /**
     * Writes the checkpoint atomically with a checksum of every tensor; with {@code previous} not null, the file
     * {@code path} held is kept under that name.
     */
    public static void write(Path path, Path previous, Checkpoint c, ResNet net, byte[] optimizerState)
            throws IOException {
        write(path, previous, c, net, optimizerState, null);
    }

    /** As {@link #write(Path, Path, Checkpoint, ResNet, byte[])}, with the moving average {@code ema} (or null). */
    public static void write(Path path, Path previous, Checkpoint c, ResNet net, byte[] optimizerState, ResNet ema)
            throws IOException {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        StateDict.of(net).forEach((k, v) -> tensors.put(CheckpointFormat.MODEL_PREFIX + k, v));
        if (ema != null) {
            StateDict.of(ema).forEach((k, v) -> tensors.put(CheckpointFormat.EMA_PREFIX + k, v));
        }
        tensors.put(CheckpointFormat.OPTIMIZER, Tensors.fromBytes(ByteBuffer.wrap(optimizerState), ScalarType.Byte,
                optimizerState.length));
        ObjectNode meta = JSON.createObjectNode();
        meta.put("format", CheckpointFormat.VERSION);
        meta.set("config", c.config() == null ? null : JSON.readTree(c.config().toJson()));
        meta.set("state", JSON.valueToTree(c.state()));
        CheckpointFormat.addChecksums(meta, tensors);
        SafeTensors.write(path, previous, tensors, CheckpointFormat.metadata(
                new ModelInfo(net.options(), c.classNames(), c.preprocessing()).toJson(), meta.toString()));
    }

    /** The training configuration recorded in a checkpoint, or null when the file is not one or records none. */
    public static TrainConfig configOf(Path path) throws IOException {
        if (!SafeTensors.looksLike(path)) {
            return null;
        }
        Map<String, String> metadata = SafeTensors.readMetadata(path);
        if (!metadata.containsKey(CheckpointFormat.KEY)) {
            return null;
        }
        return config(path, CheckpointFormat.record(path, new TensorFile(Map.of(), metadata)));
    }

    /** Reads a checkpoint, checking it against its checksums. */
    public static Contents read(Path path) throws IOException {
        TensorFile f = SafeTensors.read(path);
        JsonNode meta = CheckpointFormat.record(path, f);
        boolean verified = CheckpointFormat.verify(path, f, meta);
        TrainState state;
        try {
            state = JSON.treeToValue(meta.path("state"), TrainState.class);
        } catch (JsonProcessingException e) {
            throw new WeightsFormatException(path + ": unreadable checkpoint state (" + e.getOriginalMessage() + ")", e);
        }
        if (state == null) {
            throw new WeightsFormatException(path + ": checkpoint lacks the run's state");
        }
        if (state.lossScaler != null && !state.lossScaler.isValidFor(LossScaler.GROWTH_INTERVAL)) {
            throw new WeightsFormatException(path + ": not a loss scaler state: " + state.lossScaler);
        }
        ModelInfo info = Weights.modelInfo(path, f).orElseThrow(
                () -> new WeightsFormatException(path + ": checkpoint lacks the model's description"));
        Tensor opt = f.tensors().get(CheckpointFormat.OPTIMIZER);
        if (opt == null) {
            throw new WeightsFormatException(path + ": checkpoint lacks the optimizer state");
        }
        return new Contents(new Checkpoint(config(path, meta), state, info.classNames(), info.preprocessing()),
                CheckpointFormat.modelTensors(f), Tensors.toBytes(opt).array(), verified,
                CheckpointFormat.tensors(f, CheckpointFormat.EMA_PREFIX));
    }

    private static TrainConfig config(Path path, JsonNode meta) throws WeightsFormatException {
        JsonNode c = meta.path("config");
        if (c.isMissingNode() || c.isNull()) {
            return null;
        }
        try {
            return TrainConfig.fromJson(c.toString());
        } catch (IllegalArgumentException e) {
            throw new WeightsFormatException(path + ": " + e.getMessage(), e);
        }
    }
}
