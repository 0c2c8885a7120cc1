package org.resnet4j.io.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.resnet4j.testing.Fixtures.assertClose;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.resnet4j.data.DatasetKind;
import org.resnet4j.data.ImageDecoder;
import org.resnet4j.data.Normalization;
import org.resnet4j.data.Preprocessing;
import org.resnet4j.engine.Engine;
import org.resnet4j.eval.OnnxRuntimeModel;
import org.resnet4j.io.StateDict;
import org.resnet4j.model.ModelOptions;
import org.resnet4j.model.ResNet;
import org.resnet4j.model.ResNets;
import org.resnet4j.model.Shortcut;
import org.resnet4j.testing.DeterministicWeights;

/** ONNX Runtime for Java computes from the exported file the logits resnet4j computes from the model. */
class OnnxExportTest {
    private static final double REL = 1e-4;
    private static final Normalization NORM = new Normalization(new float[] {0.5f, 0.4f, 0.3f},
            new float[] {0.25f, 0.2f, 0.3f});

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0} shortcut {1} at {2}x{2}")
    @CsvSource({
        "resnet20, A, 32",
        "resnet20, B, 32",
        "plain20, NONE, 32",
        "preact_resnet20, B, 32",
        "preact_resnet20, A, 32",
        "resnet18, B, 32",
        "resnet9, B, 32",
        "preact_resnet50, B, 16",
        "imagenet_resnet50, B, 64",
    })
    void onnxRuntimeGivesResnet4jsLogitsFoldedAndNot(String model, String shortcut, int size) throws Exception {
        Engine.seed(3);
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            ResNet net = ResNets.create(ModelOptions.of(model).withShortcut(Shortcut.parse(shortcut)).withClasses(7));
            DeterministicWeights.fill(net);
            net.eval();
            Preprocessing prep = new Preprocessing("synthetic", 3, size, size, ImageDecoder.Fit.CROP, NORM);
            Tensor x3 = torch.randn(3, 3, size, size);
            Tensor x1 = torch.randn(1, 3, size, size);
            Tensor want3 = net.forward(x3);
            Tensor want1 = net.forward(x1);
            for (boolean fold : new boolean[] {true, false}) {
                Path file = dir.resolve(model + "-" + fold + ".onnx");
                OnnxExport.write(net, List.of(), prep, new OnnxExport.Options(fold, false), file, "test");
                try (OnnxRuntimeModel onnx = OnnxRuntimeModel.open(file, 2)) {
                    // one file, two batch sizes: the batch dimension is symbolic
                    assertClose(onnx.logits(x3), want3, REL);
                    assertClose(onnx.logits(x1), want1, REL);
                }
                ModelProto proto = ModelProto.parseFrom(Files.readAllBytes(file));
                long batchNorms = proto.getGraph().getNodeList().stream()
                        .filter(n -> n.getOpType().equals("BatchNormalization")).count();
                if (fold && !net.architecture().block().preActivation()) {
                    assertThat(batchNorms).isZero();
                } else {
                    assertThat(batchNorms).isPositive();
                }
            }
        }
    }

    /** Every variant in the table (but the two deepest, which repeat their siblings' blocks) lays out completely. */
    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.MethodSource("variants")
    void everyVariantExportsWithEveryTensorPlaced(String model) {
        try (PointerScope scope = new PointerScope()) {
            ResNet net = ResNets.create(model);
            Map<String, Tensor> state = StateDict.of(net);
            ModelProto m = OnnxExport.build(net.options(), state, List.of(), null, OnnxExport.Options.DEFAULT, "test");
            long convs = state.keySet().stream().filter(k -> state.get(k).dim() == 4).count();
            assertThat(m.getGraph().getNodeList().stream().filter(n -> n.getOpType().equals("Conv")).count())
                    .isEqualTo(convs);
            assertThat(m.getGraph().getNodeList().stream().filter(n -> n.getOpType().equals("Gemm")).count())
                    .isEqualTo(1);
        }
    }

    static java.util.stream.Stream<String> variants() {
        return org.resnet4j.model.Variants.all().stream().map(org.resnet4j.model.Architecture::name)
                .filter(n -> !n.equals("resnet1202") && !n.equals("preact_resnet1001"));
    }

    @Test
    void theGraphHasTheExpectedOperatorsAndASymbolicBatch() throws IOException {
        ModelProto m = export("resnet20", Shortcut.A, new OnnxExport.Options(false, false));
        assertThat(m.getIrVersion()).isEqualTo(OnnxExport.IR_VERSION);
        assertThat(m.getOpsetImport(0).getVersion()).isEqualTo(OnnxExport.OPSET);
        assertThat(m.getGraph().getNodeList().stream().map(NodeProto::getOpType).distinct().toList())
                .containsExactlyInAnyOrder("Conv", "BatchNormalization", "Relu", "Add", "Slice", "Pad",
                        "GlobalAveragePool", "Flatten", "Gemm");
        var input = m.getGraph().getInput(0);
        assertThat(input.getName()).isEqualTo("input");
        assertThat(input.getType().getTensorType().getShape().getDim(0).getDimParam()).isEqualTo("batch");
        assertThat(m.getGraph().getOutput(0).getType().getTensorType().getShape().getDim(0).getDimParam())
                .isEqualTo("batch");
        ModelProto imagenet = export("imagenet_resnet18", Shortcut.B, OnnxExport.Options.DEFAULT);
        assertThat(imagenet.getGraph().getNodeList().stream().map(NodeProto::getOpType).distinct().toList())
                .containsExactlyInAnyOrder("Conv", "Relu", "Add", "MaxPool", "GlobalAveragePool", "Flatten", "Gemm");
    }

    @Test
    void metadataNamesClassesAndNormalisation() throws Exception {
        try (PointerScope scope = new PointerScope()) {
            ResNet net = ResNets.create(ModelOptions.of("resnet20").withClasses(3));
            DeterministicWeights.fill(net);
            Path file = dir.resolve("meta.onnx");
            Preprocessing prep = Preprocessing.defaults(DatasetKind.CIFAR10, 3, 32);
            OnnxExport.write(net, List.of("cat", "dog", "emu"), prep, OnnxExport.Options.DEFAULT, file, "test");
            try (OrtSession s = OrtEnvironment.getEnvironment().createSession(file.toString())) {
                Map<String, String> meta = s.getMetadata().getCustomMetadata();
                assertThat(meta).containsEntry("class_names", "[\"cat\",\"dog\",\"emu\"]")
                        .containsEntry("mean", "[0.4914, 0.4822, 0.4465]")
                        .containsEntry("std", "[0.2023, 0.1994, 0.201]")
                        .containsEntry("input_normalized_in_graph", "false")
                        .containsEntry("model", "resnet20");
                assertThat(s.getMetadata().getProducerName()).isEqualTo("resnet4j");
            } catch (OrtException e) {
                throw new AssertionError(e);
            }
            try (OnnxRuntimeModel onnx = OnnxRuntimeModel.open(file, 1)) {
                assertThat(onnx.modelName()).isEqualTo("resnet20");
                assertThat(onnx.classNames()).containsExactly("cat", "dog", "emu");
                assertThat(onnx.preprocessing().normalization().mean()).containsExactly(0.4914f, 0.4822f, 0.4465f);
                assertThat(onnx.numClasses()).isEqualTo(3);
                assertThat(onnx.normalizesInGraph()).isFalse();
            }
        }
    }

    @Test
    void normalisationInTheGraphTakesPixelsInZeroOne() throws Exception {
        Engine.seed(5);
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            ResNet net = ResNets.create(ModelOptions.of("resnet20").withClasses(4));
            DeterministicWeights.fill(net);
            net.eval();
            Tensor pixels = torch.rand(2, 3, 32, 32);
            Tensor mean = org.resnet4j.engine.Tensors.fromFloats(NORM.mean(), 1, 3, 1, 1);
            Tensor std = org.resnet4j.engine.Tensors.fromFloats(NORM.std(), 1, 3, 1, 1);
            Tensor want = net.forward(pixels.sub(mean).div(std));
            Path file = dir.resolve("norm.onnx");
            OnnxExport.write(net, List.of(), new Preprocessing("synthetic", 3, 32, 32, ImageDecoder.Fit.CROP, NORM),
                    new OnnxExport.Options(true, true), file, "test");
            try (OnnxRuntimeModel onnx = OnnxRuntimeModel.open(file, 2)) {
                assertThat(onnx.normalizesInGraph()).isTrue();
                assertClose(onnx.logits(pixels), want, REL);
            }
        }
    }

    @Test
    void refusesWhatItCannotWrite() {
        try (PointerScope scope = new PointerScope()) {
            ResNet net = ResNets.create("resnet20");
            assertThatThrownBy(() -> OnnxExport.write(net, List.of(), null, new OnnxExport.Options(true, true),
                    dir.resolve("x.onnx"), "test")).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("normalisation");
            Map<String, Tensor> state = new java.util.LinkedHashMap<>(StateDict.of(net));
            state.remove("layer2.0.conv1.weight");
            assertThatThrownBy(() -> OnnxExport.build(net.options(), state, List.of(), null,
                    OnnxExport.Options.DEFAULT, "test")).hasMessageContaining("layer2.0.conv1.weight");
            ResNet b = ResNets.create(ModelOptions.of("resnet20").withShortcut(Shortcut.B));
            assertThatThrownBy(() -> OnnxExport.build(net.options(), StateDict.of(b), List.of(), null,
                    OnnxExport.Options.DEFAULT, "test")).hasMessageContaining("layer2.0.shortcut.0.weight");
            net.foldBatchNorm();
            assertThatThrownBy(() -> OnnxExport.write(net, List.of(), null, OnnxExport.Options.DEFAULT,
                    dir.resolve("y.onnx"), "test")).hasMessageContaining("before folding");
        }
    }

    private ModelProto export(String model, Shortcut shortcut, OnnxExport.Options options) {
        try (PointerScope scope = new PointerScope()) {
            ResNet net = ResNets.create(ModelOptions.of(model).withShortcut(shortcut));
            return OnnxExport.build(net.options(), StateDict.of(net), List.of(), null, options, "test");
        }
    }
}
