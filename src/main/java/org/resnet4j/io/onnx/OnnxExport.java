package org.resnet4j.io.onnx;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.ObjectMapper;

import org.bytedeco.pytorch.Tensor;
import org.resnet4j.data.Normalization;
import org.resnet4j.data.Preprocessing;
import org.resnet4j.io.AtomicFile;
import org.resnet4j.io.ModelInfo;
import org.resnet4j.io.StateDict;
import org.resnet4j.model.ModelOptions;
import org.resnet4j.model.ResNet;
import org.resnet4j.model.Shape;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;

/**
 * Writes a ResNet as an ONNX model: Conv, BatchNormalization (or folded into Conv), Relu, Add, MaxPool,
 * GlobalAveragePool, Flatten, Gemm, and Slice + Pad for option-A shortcuts, with a symbolic batch dimension.
 *
 * <p>Opset 13 (IR version 7): every operator here has had its present form since opset 11 at the latest (Slice
 * with steps, Pad with its pads as an input), and 13 is the level runtimes have read longest — ONNX Runtime since
 * 1.6 (2020), TensorRT 8, OpenVINO, ONNX Runtime Web — and one PyTorch's own exporter still writes.
 *
 * <p>The model's metadata_props say how to feed it: {@code class_names} (JSON list), {@code mean} and {@code std}
 * (JSON lists, for pixels scaled to [0, 1]), {@code input_normalized_in_graph}, {@code input_layout}, and
 * {@code resnet4j.model}, the same description resnet4j's safetensors files carry.
 */
public final class OnnxExport {
    public static final int OPSET = 13;
    public static final int IR_VERSION = 7;
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * How to lay the graph out.
     *
     * @param foldBatchNorm     fold every BatchNorm that follows a convolution into it (pre-activation nets keep the
     *                          BatchNorms that follow an addition)
     * @param normalizeInGraph  put {@code (x - mean) / std} at the front, so the model takes pixels scaled to [0, 1]
     */
    public record Options(boolean foldBatchNorm, boolean normalizeInGraph) {
        public static final Options DEFAULT = new Options(true, false);
    }

    private OnnxExport() {
    }

    /**
     * Writes {@code net}'s ONNX model to {@code path}, atomically. The input size is the one {@code preprocessing}
     * names, else the variant's default.
     */
    public static void write(ResNet net, List<String> classNames, Preprocessing preprocessing, Options options,
            Path path, String producerVersion) throws IOException {
        if (net.isFolded()) {
            throw new IllegalArgumentException("a model with BatchNorm folded into its convolutions has no state dict"
                    + " of its own; export it before folding (the ONNX writer folds by itself)");
        }
        ModelProto model = build(net.options(), StateDict.of(net), classNames, preprocessing, options,
                producerVersion);
        AtomicFile.write(path, ch -> {
            OutputStream out = Channels.newOutputStream(ch);
            model.writeTo(out);
            out.flush();
        });
    }

    /** The ONNX model of the variant {@code model} with the weights {@code state} (PyTorch's key names). */
    public static ModelProto build(ModelOptions model, Map<String, Tensor> state, List<String> classNames,
            Preprocessing preprocessing, Options options, String producerVersion) {
        Normalization norm = preprocessing == null ? null : preprocessing.normalization();
        if (options.normalizeInGraph() && norm == null) {
            throw new IllegalArgumentException("the weights do not record their input normalisation, so it cannot"
                    + " go into the graph; export a resnet4j checkpoint or safetensors file instead");
        }
        Shape input = preprocessing != null
                ? new Shape(preprocessing.channels(), preprocessing.height(), preprocessing.width())
                : new Shape(model.inChannels(), model.architecture().defaultInput().height(),
                        model.architecture().defaultInput().width());
        String doc = description(model, input, norm, options);
        ModelProto.Builder m = ModelProto.newBuilder()
                .setIrVersion(IR_VERSION)
                .setProducerName("resnet4j")
                .setProducerVersion(producerVersion)
                .setModelVersion(1)
                .setDocString(doc)
                .setGraph(ResNetGraph.build(model, state, options.foldBatchNorm(),
                        options.normalizeInGraph() ? norm : null, input, doc));
        m.addOpsetImportBuilder().setDomain("").setVersion(OPSET);
        metadata(model, classNames, preprocessing, options, input)
                .forEach((k, v) -> m.addMetadataProps(StringStringEntryProto.newBuilder().setKey(k).setValue(v)));
        return m.build();
    }

    private static Map<String, String> metadata(ModelOptions model, List<String> classNames,
            Preprocessing preprocessing, Options options, Shape input) {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("model", model.name());
        meta.put("class_names", json(classNames));
        meta.put("input_layout", "NCHW float32 [batch, " + input.channels() + ", " + input.height() + ", "
                + input.width() + "], RGB channel order (grey for 1 channel)");
        if (preprocessing != null) {
            Normalization n = preprocessing.normalization();
            meta.put("mean", json(n.mean()));
            meta.put("std", json(n.std()));
            meta.put("dataset", preprocessing.dataset());
            meta.put("fit", preprocessing.fit().name().toLowerCase(Locale.ROOT));
            if (preprocessing.evalTransform() != null) {
                meta.put("eval_transform", preprocessing.evalTransform().toString());
            }
        }
        meta.put("input_normalized_in_graph", Boolean.toString(options.normalizeInGraph()));
        meta.put("batchnorm_folded", Boolean.toString(options.foldBatchNorm()));
        meta.put(ModelInfo.KEY, new ModelInfo(model, classNames, preprocessing).toJson());
        return meta;
    }

    private static String description(ModelOptions model, Shape input, Normalization norm, Options options) {
        String feed = options.normalizeInGraph()
                ? "pixels scaled to [0, 1]; the graph subtracts mean " + Arrays.toString(norm.mean()) + " and divides"
                        + " by std " + Arrays.toString(norm.std())
                : norm == null ? "normalised pixels (the weights did not record how)"
                        : "pixels scaled to [0, 1], then (x - mean) / std with mean " + Arrays.toString(norm.mean())
                                + " and std " + Arrays.toString(norm.std());
        return String.format(Locale.ROOT, "resnet4j %s (shortcut %s, %d classes). Input 'input': float32 [batch, %d,"
                + " %d, %d], %s. Output 'logits': float32 [batch, %d], before softmax.", model.name(),
                model.shortcut(), model.numClasses(), input.channels(), input.height(), input.width(), feed,
                model.numClasses());
    }

    private static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static String json(float[] values) {
        return "[" + java.util.stream.IntStream.range(0, values.length).mapToObj(i -> Float.toString(values[i]))
                .collect(Collectors.joining(", ")) + "]";
    }
}
