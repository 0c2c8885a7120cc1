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
import org.resnet4j.engine.Tensors;
import org.resnet4j.data.Preprocessing;
import org.resnet4j.io.SafeTensors;
import org.resnet4j.io.StateDict;
import org.resnet4j.io.TensorFile;
import org.resnet4j.io.Weights;
import org.resnet4j.io.WeightsFormatException;
import org.resnet4j.model.ResNet;

/**
 * A checkpoint is one safetensors file: the model's state dict under {@code model.}, the optimiser's state as the
 * bytes of libtorch's archive, and in the metadata the run's configuration, where it stands, and the model
 * description that lets {@code eval}/{@code predict} use it as weights. Written atomically.
 */
public final class Checkpoint {
    public static final int FORMAT = Weights.CHECKPOINT_FORMAT;
    private static final String OPTIMIZER = "optimizer.libtorch_archive";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What a checkpoint holds. */
    public record Contents(TrainConfig config, TrainState state, List<String> classNames, Map<String, Tensor> model,
            byte[] optimizer) {
    }

    private Checkpoint() {
    }

    public static void write(Path path, ResNet net, byte[] optimizerState, TrainConfig config, TrainState state,
            List<String> classNames, Preprocessing preprocessing) throws IOException {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        StateDict.of(net).forEach((k, v) -> tensors.put(Weights.CHECKPOINT_MODEL_PREFIX + k, v));
        tensors.put(OPTIMIZER, Tensors.fromBytes(ByteBuffer.wrap(optimizerState), ScalarType.Byte,
                optimizerState.length));
        ObjectNode meta = JSON.createObjectNode();
        meta.put("format", FORMAT);
        meta.set("config", JSON.readTree(config.toJson()));
        meta.set("state", JSON.valueToTree(state));
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("format", "pt");
        metadata.put(Weights.MODEL_KEY, Weights.toJson(new Weights.ModelInfo(net.options(), classNames, preprocessing)));
        metadata.put(Weights.CHECKPOINT_KEY, meta.toString());
        SafeTensors.write(path, tensors, metadata);
    }

    /** The training configuration recorded in a checkpoint, or null when the file is not one. */
    public static TrainConfig configOf(Path path) throws IOException {
        if (!SafeTensors.looksLike(path)) {
            return null;
        }
        String json = SafeTensors.readMetadata(path).get(Weights.CHECKPOINT_KEY);
        if (json == null) {
            return null;
        }
        try {
            return TrainConfig.fromJson(JSON.readTree(json).get("config").toString());
        } catch (JsonProcessingException | NullPointerException e) {
            throw new WeightsFormatException(path + ": unreadable checkpoint metadata (" + e.getMessage() + ")", e);
        }
    }

    public static Contents read(Path path) throws IOException {
        TensorFile f = SafeTensors.read(path);
        String json = f.metadata().get(Weights.CHECKPOINT_KEY);
        if (json == null) {
            throw new WeightsFormatException(path + ": a weights file, not a resnet4j checkpoint");
        }
        try {
            JsonNode meta = JSON.readTree(json);
            Weights.checkCheckpointFormat(path, meta);
            TrainConfig config = TrainConfig.fromJson(meta.get("config").toString());
            TrainState state = JSON.treeToValue(meta.get("state"), TrainState.class);
            Weights.ModelInfo info = Weights.fromJson(f.metadata().get(Weights.MODEL_KEY));
            Map<String, Tensor> model = new LinkedHashMap<>();
            f.tensors().forEach((k, v) -> {
                if (k.startsWith(Weights.CHECKPOINT_MODEL_PREFIX)) {
                    model.put(k.substring(Weights.CHECKPOINT_MODEL_PREFIX.length()), v);
                }
            });
            Tensor opt = f.tensors().get(OPTIMIZER);
            if (opt == null) {
                throw new WeightsFormatException(path + ": checkpoint lacks the optimizer state");
            }
            byte[] optimizer = Tensors.toBytes(opt).array();
            return new Contents(config, state, info.classNames(), model, optimizer);
        } catch (JsonProcessingException | NullPointerException e) {
            throw new WeightsFormatException(path + ": unreadable checkpoint metadata (" + e.getMessage() + ")", e);
        }
    }
}
