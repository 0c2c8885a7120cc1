package org.resnet4j.io;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.bytedeco.pytorch.Tensor;

/**
 * How a training checkpoint lies in a safetensors file: the model's state dict under {@code model.}, the optimiser's
 * state as one byte tensor, and in the metadata the model's {@link ModelInfo} plus a JSON object with the format
 * version and the run's own records (configuration, progress). Versions are checked here, for every reader.
 */
public final class CheckpointFormat {
    /** Metadata key marking a checkpoint; its value is the run's JSON record. */
    public static final String KEY = "resnet4j.checkpoint";
    public static final String MODEL_PREFIX = "model.";
    public static final String OPTIMIZER = "optimizer.libtorch_archive";
    /** The layout this version writes and reads. */
    public static final int VERSION = 1;
    private static final ObjectMapper JSON = new ObjectMapper();

    private CheckpointFormat() {
    }

    public static boolean isCheckpoint(TensorFile file) {
        return file.metadata().containsKey(KEY);
    }

    /** The run's record, after checking that this version reads it. */
    public static JsonNode record(Path path, TensorFile file) throws WeightsFormatException {
        String json = file.metadata().get(KEY);
        if (json == null) {
            throw new WeightsFormatException(path + ": a weights file, not a resnet4j checkpoint");
        }
        JsonNode meta;
        try {
            meta = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new WeightsFormatException(path + ": unreadable checkpoint metadata (" + e.getOriginalMessage() + ")",
                    e);
        }
        int version = meta.path("format").asInt(-1);
        if (version > VERSION) {
            throw new WeightsFormatException(path + ": checkpoint format " + version + " is newer than this resnet4j"
                    + " reads (" + VERSION + "); update resnet4j to use it");
        }
        if (version != VERSION) {
            throw new WeightsFormatException(path + ": unknown checkpoint format " + meta.path("format"));
        }
        return meta;
    }

    /** The model's state dict inside a checkpoint. */
    public static Map<String, Tensor> modelTensors(TensorFile file) {
        Map<String, Tensor> model = new LinkedHashMap<>();
        file.tensors().forEach((k, v) -> {
            if (k.startsWith(MODEL_PREFIX)) {
                model.put(k.substring(MODEL_PREFIX.length()), v);
            }
        });
        return model;
    }
}
