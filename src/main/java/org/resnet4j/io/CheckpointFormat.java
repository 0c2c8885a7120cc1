package org.resnet4j.io;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32C;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.bytedeco.pytorch.Tensor;
import org.resnet4j.engine.Tensors;

/**
 * How a training checkpoint lies in a safetensors file: the model's state dict under {@code model.}, the optimiser's
 * state as one byte tensor, and in the metadata the model's {@link ModelInfo} plus a JSON object with the format
 * version and the run's own records (configuration, progress). Versions are checked here, for every reader.
 *
 * <p>Integrity: the record holds the CRC32C of every tensor's bytes under {@code crc32c}, and the metadata key
 * {@link #RECORD_CRC} the CRC32C of the record and the model description, so that any change to the file after it
 * was written is found on reading, whichever byte it hits. Checkpoints written before checksums existed (same format
 * version: the layout did not change) have neither and still load.
 */
public final class CheckpointFormat {
    /** Metadata key marking a checkpoint; its value is the run's JSON record. */
    public static final String KEY = "resnet4j.checkpoint";
    /** Metadata key of the CRC32C of the record and the model description. */
    public static final String RECORD_CRC = KEY + ".crc32c";
    public static final String MODEL_PREFIX = "model.";
    /** The moving average of the weights ({@code --ema-decay}), a state dict like the model's. */
    public static final String EMA_PREFIX = "ema.";
    public static final String OPTIMIZER = "optimizer.libtorch_archive";
    /** The layout this version writes and reads. */
    public static final int VERSION = 1;
    private static final String CHECKSUMS = "crc32c";
    private static final ObjectMapper JSON = new ObjectMapper();

    private CheckpointFormat() {
    }

    public static boolean isCheckpoint(TensorFile file) {
        return file.metadata().containsKey(KEY);
    }

    /** Adds the checksums of {@code tensors} to {@code record}, which is to be stored under {@link #KEY}. */
    public static void addChecksums(ObjectNode record, Map<String, Tensor> tensors) {
        ObjectNode sums = record.putObject(CHECKSUMS);
        tensors.forEach((name, t) -> sums.put(name, hex(Tensors.crc32c(t))));
    }

    /** The metadata of a checkpoint: the model description, the record and the checksum that covers both. */
    public static Map<String, String> metadata(String modelInfo, String record) {
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("format", "pt");
        metadata.put(ModelInfo.KEY, modelInfo);
        metadata.put(KEY, record);
        metadata.put(RECORD_CRC, hex(recordCrc(metadata)));
        return metadata;
    }

    /**
     * The run's record, after checking that it is as written (when the file has checksums) and that this version
     * reads it.
     */
    public static JsonNode record(Path path, TensorFile file) throws WeightsFormatException {
        String json = file.metadata().get(KEY);
        if (json == null) {
            throw new WeightsFormatException(path + ": a weights file, not a resnet4j checkpoint");
        }
        String crc = file.metadata().get(RECORD_CRC);
        JsonNode meta;
        try {
            meta = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new WeightsFormatException(path + ": unreadable checkpoint metadata (" + e.getOriginalMessage() + ")",
                    e);
        }
        if (meta == null || !meta.isObject()) {
            throw new WeightsFormatException(path + ": unreadable checkpoint metadata (not a JSON object)");
        }
        if (meta.has(CHECKSUMS) && crc == null) {
            throw damaged(path, "the checksum of its record is missing");
        }
        int version = meta.path("format").asInt(-1);
        if (version > VERSION) { // before the checksum: a newer format may sum its record differently
            throw new WeightsFormatException(path + ": checkpoint format " + version + " is newer than this resnet4j"
                    + " reads (" + VERSION + "); update resnet4j to use it");
        }
        if (crc != null && !crc.equals(hex(recordCrc(file.metadata())))) {
            throw damaged(path, "its record (run state, configuration, model description) does not match its"
                    + " checksum");
        }
        if (version != VERSION) {
            throw new WeightsFormatException(path + ": unknown checkpoint format " + meta.path("format"));
        }
        return meta;
    }

    /**
     * Checks every tensor against the checksum the record holds for it.
     *
     * @return false when the checkpoint was written before checksums existed (nothing to check)
     * @throws WeightsFormatException naming the file and the first tensor that differs from what was written
     */
    public static boolean verify(Path path, TensorFile file, JsonNode record) throws WeightsFormatException {
        JsonNode sums = record.get(CHECKSUMS);
        if (sums == null) {
            return false;
        }
        if (!sums.isObject()) {
            throw damaged(path, "its checksums are unreadable");
        }
        for (Map.Entry<String, Tensor> e : file.tensors().entrySet()) {
            JsonNode want = sums.get(e.getKey());
            if (want == null) {
                throw damaged(path, "tensor '" + e.getKey() + "' has no checksum");
            }
            if (!want.asText().equals(hex(Tensors.crc32c(e.getValue())))) {
                throw damaged(path, "tensor '" + e.getKey() + "' does not match its checksum");
            }
        }
        for (Iterator<String> it = sums.fieldNames(); it.hasNext();) {
            String name = it.next();
            if (!file.tensors().containsKey(name)) {
                throw damaged(path, "tensor '" + name + "' is missing");
            }
        }
        return true;
    }

    /** The model's state dict inside a checkpoint. */
    public static Map<String, Tensor> modelTensors(TensorFile file) {
        return tensors(file, MODEL_PREFIX);
    }

    /** The state dict stored under {@code prefix} ({@link #MODEL_PREFIX}, {@link #EMA_PREFIX}); empty when none. */
    public static Map<String, Tensor> tensors(TensorFile file, String prefix) {
        Map<String, Tensor> model = new LinkedHashMap<>();
        file.tensors().forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                model.put(k.substring(prefix.length()), v);
            }
        });
        return model;
    }

    private static int recordCrc(Map<String, String> metadata) {
        CRC32C crc = new CRC32C();
        crc.update(String.valueOf(metadata.get(ModelInfo.KEY)).getBytes(StandardCharsets.UTF_8));
        crc.update(0);
        crc.update(String.valueOf(metadata.get(KEY)).getBytes(StandardCharsets.UTF_8));
        return (int) crc.getValue();
    }

    private static String hex(int crc) {
        return HexFormat.of().toHexDigits(crc);
    }

    private static WeightsFormatException damaged(Path path, String what) {
        return new WeightsFormatException(path + ": damaged: " + what + " (the file changed after it was written)");
    }
}
