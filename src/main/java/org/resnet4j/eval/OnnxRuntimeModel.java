package org.resnet4j.eval;

import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.resnet4j.data.Normalization;
import org.resnet4j.data.Preprocessing;
import org.resnet4j.engine.Tensors;
import org.resnet4j.io.ModelInfo;
import org.resnet4j.io.WeightsFormatException;
import org.resnet4j.model.Shape;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;

/**
 * An ONNX image classifier run by ONNX Runtime on the CPU: one float input [N, C, H, W], one output [N, classes].
 * Files that resnet4j exported also say, in their metadata, the model, class names and input preparation; others
 * are run as they are. Safe to share between threads (ONNX Runtime sessions are).
 */
public final class OnnxRuntimeModel implements LogitsFunction, AutoCloseable {
    private final Path path;
    private final OrtSession session;
    private final String inputName;
    private final Shape input;
    private final int classes;
    private final ModelInfo info;
    private final boolean normalizesInGraph;

    private OnnxRuntimeModel(Path path, OrtSession session, String inputName, Shape input, int classes,
            ModelInfo info, boolean normalizesInGraph) {
        this.path = path;
        this.session = session;
        this.inputName = inputName;
        this.input = input;
        this.classes = classes;
        this.info = info;
        this.normalizesInGraph = normalizesInGraph;
    }

    /** Whether {@code path} is named as an ONNX file ({@code .onnx}). */
    public static boolean isOnnxName(Path path) {
        return path.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".onnx");
    }

    /**
     * Loads {@code path} into an ONNX Runtime session with {@code threads} intra-op threads.
     *
     * @throws WeightsFormatException when the file is not an ONNX model, or not one image classifier
     */
    public static OnnxRuntimeModel open(Path path, int threads) throws IOException {
        if (!Files.exists(path)) {
            throw new NoSuchFileException(path.toString(), null, "no such ONNX file");
        }
        if (Files.isDirectory(path)) {
            throw new WeightsFormatException(path + ": is a directory, not an ONNX file");
        }
        OrtSession session;
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(threads);
            options.setInterOpNumThreads(1);
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            session = OrtEnvironment.getEnvironment().createSession(path.toString(), options);
        } catch (OrtException e) {
            throw new WeightsFormatException(path + ": not an ONNX model that ONNX Runtime can load ("
                    + firstLine(e.getMessage()) + ")", e);
        }
        try {
            return describe(path, session);
        } catch (IOException | RuntimeException e) {
            close(session);
            throw e;
        }
    }

    private static OnnxRuntimeModel describe(Path path, OrtSession session) throws IOException {
        try {
            if (session.getNumInputs() != 1 || session.getNumOutputs() != 1) {
                throw new WeightsFormatException(path + ": an image classifier has one input and one output, this"
                        + " model has " + session.getNumInputs() + " and " + session.getNumOutputs());
            }
            Map.Entry<String, NodeInfo> in = session.getInputInfo().entrySet().iterator().next();
            long[] inShape = floatTensorShape(path, "input", in.getValue());
            long[] outShape = floatTensorShape(path, "output", session.getOutputInfo().values().iterator().next());
            if (inShape.length != 4 || outShape.length != 2 || outShape[1] < 1) {
                throw new WeightsFormatException(path + ": expected an input [N, C, H, W] and logits [N, classes],"
                        + " found " + Arrays.toString(inShape) + " and " + Arrays.toString(outShape));
            }
            Map<String, String> meta = session.getMetadata().getCustomMetadata();
            ModelInfo info = meta.containsKey(ModelInfo.KEY) ? ModelInfo.fromJson(meta.get(ModelInfo.KEY), path.toString())
                    : null;
            Shape input = inShape[1] > 0 && inShape[2] > 0 && inShape[3] > 0
                    ? new Shape(inShape[1], inShape[2], inShape[3])
                    : info != null && info.preprocessing() != null ? shapeOf(info.preprocessing()) : null;
            if (input == null) {
                throw new WeightsFormatException(path + ": the model's input size is not fixed and its metadata does"
                        + " not name one");
            }
            return new OnnxRuntimeModel(path, session, in.getKey(), input, (int) outShape[1], info,
                    Boolean.parseBoolean(meta.get("input_normalized_in_graph")));
        } catch (OrtException e) {
            throw new WeightsFormatException(path + ": unreadable ONNX model description (" + firstLine(e.getMessage())
                    + ")", e);
        }
    }

    private static long[] floatTensorShape(Path path, String what, NodeInfo node) throws WeightsFormatException {
        if (!(node.getInfo() instanceof TensorInfo t) || t.type != OnnxJavaType.FLOAT) {
            throw new WeightsFormatException(path + ": the model's " + what + " '" + node.getName()
                    + "' is not a float32 tensor (" + node.getInfo() + ")");
        }
        return t.getShape();
    }

    private static Shape shapeOf(Preprocessing p) {
        return new Shape(p.channels(), p.height(), p.width());
    }

    /** The variant's name from the metadata, else the file name. */
    public String modelName() {
        return info != null ? info.options().name() : path.getFileName().toString();
    }

    /** Class names from the metadata; empty when the file has none. */
    public List<String> classNames() {
        return info != null ? info.classNames() : List.of();
    }

    /** How the input was prepared in training, from the metadata; null when the file does not say. */
    public Preprocessing preprocessing() {
        return info != null ? info.preprocessing() : null;
    }

    /** The C×H×W of one input image. */
    public Shape inputShape() {
        return input;
    }

    /** Whether the graph normalises its input itself, so it takes pixels scaled to [0, 1]. */
    public boolean normalizesInGraph() {
        return normalizesInGraph;
    }

    /** The normalisation to apply before the model: the recorded one, or none when the graph does it. */
    public Normalization inputNormalization(Normalization fallback) {
        if (normalizesInGraph) {
            float[] zeros = new float[(int) input.channels()];
            float[] ones = new float[zeros.length];
            Arrays.fill(ones, 1f);
            return new Normalization(zeros, ones);
        }
        return preprocessing() != null ? preprocessing().normalization() : fallback;
    }

    @Override
    public int numClasses() {
        return classes;
    }

    @Override
    public int inChannels() {
        return (int) input.channels();
    }

    @Override
    public Tensor logits(Tensor images) {
        long[] shape = Tensors.shape(images);
        Tensor x = images.to(ScalarType.Float).contiguous();
        // libtorch's memory, handed to ONNX Runtime without a copy; x stays referenced until run returns
        FloatBuffer data = x.data_ptr_float().capacity(x.numel()).asBuffer();
        return Tensors.fromFloats(run(data, shape), shape[0], classes);
    }

    /** Logits, row-major [N, classes], for {@code images} laid out [N, C, H, W] (a direct buffer is not copied). */
    public float[] run(FloatBuffer images, long... shape) {
        try (OnnxTensor t = OnnxTensor.createTensor(OrtEnvironment.getEnvironment(), images, shape);
             OrtSession.Result r = session.run(Map.of(inputName, t))) {
            FloatBuffer out = ((OnnxTensor) r.get(0)).getFloatBuffer();
            float[] logits = new float[out.remaining()];
            out.get(logits);
            return logits;
        } catch (OrtException e) {
            throw new IllegalStateException(path + ": ONNX Runtime failed on input " + Arrays.toString(shape) + " ("
                    + firstLine(e.getMessage()) + ")", e);
        }
    }

    @Override
    public void close() {
        close(session);
    }

    private static void close(OrtSession s) {
        try {
            s.close();
        } catch (OrtException e) {
            // nothing left to release
        }
    }

    private static String firstLine(String s) {
        return s == null ? "no detail" : s.strip().lines().findFirst().orElse(s);
    }
}
