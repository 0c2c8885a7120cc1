package org.resnet4j.io.onnx;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashSet;
import java.util.Set;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.AttributeProto.AttributeType;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;

import com.google.protobuf.ByteString;

/**
 * Appends the few ONNX operators a ResNet needs to a graph, in their opset-13 forms; each returns the name of its
 * output. Node and value names follow the PyTorch module that computes them ({@code layer1.0.conv1}), so a graph
 * viewer shows the model as PyTorch names it.
 */
final class GraphBuilder {
    private final GraphProto.Builder graph = GraphProto.newBuilder();
    private final Set<String> names = new HashSet<>();

    GraphBuilder(String name, String docString) {
        graph.setName(name).setDocString(docString);
    }

    GraphProto build() {
        return graph.build();
    }

    /** A float32 graph input or output whose first dimension is the symbolic {@code batch}. */
    void input(String name, long... dims) {
        graph.addInput(batched(name, dims));
        names.add(name);
    }

    void output(String name, long... dims) {
        graph.addOutput(batched(name, dims));
    }

    private static ValueInfoProto batched(String name, long[] dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        shape.addDimBuilder().setDimParam("batch");
        for (long d : dims) {
            shape.addDimBuilder().setDimValue(d);
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(DataType.FLOAT_VALUE).setShape(shape))).build();
    }

    /** A float32 constant, stored little-endian in {@code raw_data} as the ONNX specification lays it out. */
    String initializer(String name, float[] values, long... dims) {
        long n = 1;
        for (long d : dims) {
            n *= d;
        }
        if (n != values.length) {
            throw new IllegalArgumentException(name + ": " + values.length + " values for shape "
                    + java.util.Arrays.toString(dims));
        }
        ByteBuffer b = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return addInitializer(name, DataType.FLOAT, b, dims);
    }

    String initializer(String name, long[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.asLongBuffer().put(values);
        return addInitializer(name, DataType.INT64, b, values.length);
    }

    private String addInitializer(String name, DataType type, ByteBuffer data, long... dims) {
        claim(name);
        TensorProto.Builder t = graph.addInitializerBuilder().setName(name).setDataType(type.getNumber())
                .setRawData(ByteString.copyFrom(data));
        for (long d : dims) {
            t.addDims(d);
        }
        return name;
    }

    /** A square convolution with "same" padding for odd kernels (k / 2 on each side), as every ResNet conv has. */
    String conv(String name, String x, String weight, String bias, long kernel, int stride) {
        NodeProto.Builder n = node("Conv", name, x, weight);
        if (bias != null) {
            n.addInput(bias);
        }
        long pad = kernel / 2;
        n.addAttribute(ints("kernel_shape", kernel, kernel));
        n.addAttribute(ints("strides", stride, stride));
        n.addAttribute(ints("pads", pad, pad, pad, pad));
        n.addAttribute(ints("dilations", 1, 1));
        n.addAttribute(intAttr("group", 1));
        return finish(n, name);
    }

    String batchNorm(String name, String x, String scale, String bias, String mean, String var, float epsilon) {
        NodeProto.Builder n = node("BatchNormalization", name, x, scale, bias, mean, var);
        n.addAttribute(AttributeProto.newBuilder().setName("epsilon").setType(AttributeType.FLOAT).setF(epsilon));
        return finish(n, name);
    }

    String relu(String name, String x) {
        return finish(node("Relu", name, x), name);
    }

    String add(String name, String a, String b) {
        return finish(node("Add", name, a, b), name);
    }

    String sub(String name, String a, String b) {
        return finish(node("Sub", name, a, b), name);
    }

    String div(String name, String a, String b) {
        return finish(node("Div", name, a, b), name);
    }

    String maxPool(String name, String x, long kernel, long stride, long pad) {
        NodeProto.Builder n = node("MaxPool", name, x);
        n.addAttribute(ints("kernel_shape", kernel, kernel));
        n.addAttribute(ints("strides", stride, stride));
        n.addAttribute(ints("pads", pad, pad, pad, pad));
        return finish(n, name);
    }

    String globalAveragePool(String name, String x) {
        return finish(node("GlobalAveragePool", name, x), name);
    }

    String flatten(String name, String x) {
        NodeProto.Builder n = node("Flatten", name, x);
        n.addAttribute(intAttr("axis", 1));
        return finish(n, name);
    }

    /** x · weightᵀ + bias (PyTorch's {@code nn.Linear} keeps its weight as [out, in]), into {@code output}. */
    String gemm(String name, String x, String weight, String bias, String output) {
        NodeProto.Builder n = node("Gemm", name, x, weight, bias);
        n.addAttribute(intAttr("transB", 1));
        return finish(n, output);
    }

    /** Every {@code step}-th row and column, from the first: PyTorch's {@code x[:, :, ::step, ::step]}. */
    String subsample(String name, String x, long step) {
        String starts = initializer(name + ".starts", new long[] {0, 0});
        String ends = initializer(name + ".ends", new long[] {Long.MAX_VALUE, Long.MAX_VALUE});
        String axes = initializer(name + ".axes", new long[] {2, 3});
        String steps = initializer(name + ".steps", new long[] {step, step});
        return finish(node("Slice", name, x, starts, ends, axes, steps), name);
    }

    /** Zero channels before and after an NCHW tensor's own. */
    String padChannels(String name, String x, long front, long back) {
        String pads = initializer(name + ".pads", new long[] {0, front, 0, 0, 0, back, 0, 0});
        NodeProto.Builder n = node("Pad", name, x, pads);
        n.addAttribute(AttributeProto.newBuilder().setName("mode").setType(AttributeType.STRING)
                .setS(ByteString.copyFromUtf8("constant")));
        return finish(n, name);
    }

    private NodeProto.Builder node(String op, String name, String... inputs) {
        NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(name);
        for (String i : inputs) {
            n.addInput(i);
        }
        return n;
    }

    private String finish(NodeProto.Builder n, String output) {
        claim(output);
        graph.addNode(n.addOutput(output));
        return output;
    }

    private void claim(String name) {
        if (!names.add(name)) {
            throw new IllegalStateException("two ONNX values named " + name);
        }
    }

    private static AttributeProto ints(String name, long... values) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeType.INTS);
        for (long v : values) {
            a.addInts(v);
        }
        return a.build();
    }

    private static AttributeProto intAttr(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeType.INT).setI(value).build();
    }
}
