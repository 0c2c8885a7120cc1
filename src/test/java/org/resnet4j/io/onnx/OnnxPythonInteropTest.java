package org.resnet4j.io.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnet4j.data.DatasetKind;
import org.resnet4j.data.ImageDecoder;
import org.resnet4j.data.Preprocessing;
import org.resnet4j.engine.Engine;
import org.resnet4j.engine.Tensors;
import org.resnet4j.io.Npy;
import org.resnet4j.io.Weights;
import org.resnet4j.model.ModelOptions;
import org.resnet4j.model.ResNet;
import org.resnet4j.model.ResNets;
import org.resnet4j.model.Shortcut;
import org.resnet4j.testing.DeterministicWeights;
import org.resnet4j.testing.PythonVenv;

/**
 * The files pass the onnx package's full check, Python's ONNX Runtime computes resnet4j's logits from them, and so
 * does what PyTorch's own torch.onnx.export makes of the equivalent module with the same weights
 * (tools/onnx_check.py); skipped without the project's Python.
 */
class OnnxPythonInteropTest {
    private static final double REL = 1e-4;

    @TempDir
    Path dir;

    private record Case(String model, Shortcut shortcut, int size) {
    }

    private static final List<Case> CASES = List.of(new Case("resnet20", Shortcut.A, 32),
            new Case("resnet20", Shortcut.B, 32), new Case("plain20", Shortcut.NONE, 32),
            new Case("preact_resnet20", Shortcut.B, 32), new Case("resnet18", Shortcut.B, 32),
            new Case("imagenet_resnet50", Shortcut.B, 64));

    @Test
    void checkerPythonOnnxRuntimeAndTorchOnnxExportAgree() throws IOException {
        assumeTrue(PythonVenv.has("torch", "onnx", "onnxruntime", "numpy"), PythonVenv.missing("torch", "onnx",
                "onnxruntime", "numpy"));
        Engine.seed(11);
        ObjectMapper json = new ObjectMapper();
        ArrayNode cases = json.createArrayNode();
        List<float[]> expected = new ArrayList<>();
        for (Case c : CASES) {
            Path d = Files.createDirectories(dir.resolve(c.model() + "-" + c.shortcut()));
            expected.add(prepare(c, d, cases.addObject()));
        }
        Path manifest = dir.resolve("cases.json");
        json.writeValue(manifest.toFile(), cases);
        JsonNode out = json.readTree(PythonVenv.run("tools/onnx_check.py", manifest.toString()));
        assertThat(out.get("versions").get("torch").asText()).startsWith("2.");
        for (int i = 0; i < CASES.size(); i++) {
            String name = CASES.get(i).model() + " " + CASES.get(i).shortcut();
            JsonNode r = out.get("results").get(i);
            for (JsonNode ours : r.get("ours")) {
                assertClose(ours, expected.get(i), name + ": Python ONNX Runtime on resnet4j's file");
            }
            assertClose(r.get("torch"), expected.get(i), name + ": PyTorch's module");
            assertClose(r.get("torch_onnx"), expected.get(i), name + ": ONNX Runtime on torch.onnx.export's file");
        }
    }

    /** Writes the case's weights, inputs and two ONNX files (BatchNorm folded and not); returns resnet4j's logits. */
    private static float[] prepare(Case c, Path d, ObjectNode entry) throws IOException {
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            ResNet net = ResNets.create(ModelOptions.of(c.model()).withShortcut(c.shortcut()).withClasses(6));
            DeterministicWeights.fill(net);
            net.eval();
            int n = 3;
            int size = c.size();
            Tensor x = torch.randn(n, 3, size, size);
            float[] expected = Tensors.toFloats(net.forward(x));
            float[] flat = Tensors.toFloats(x);
            int per = 3 * size * size;
            float[][] rows = new float[n][];
            for (int i = 0; i < n; i++) {
                rows[i] = Arrays.copyOfRange(flat, i * per, (i + 1) * per);
            }
            Npy.write(d.resolve("x.npy"), rows);
            Weights.save(net, List.of(), null, d.resolve("w.pt"));
            Preprocessing prep = new Preprocessing(DatasetKind.SYNTHETIC.id(), 3, size, size, ImageDecoder.Fit.CROP,
                    DatasetKind.SYNTHETIC.normalization(3));
            OnnxExport.write(net, List.of(), prep, new OnnxExport.Options(true, false), d.resolve("folded.onnx"),
                    "test");
            OnnxExport.write(net, List.of(), prep, new OnnxExport.Options(false, false), d.resolve("unfolded.onnx"),
                    "test");
            entry.put("model", c.model()).put("shortcut", c.shortcut().name()).put("weights",
                    d.resolve("w.pt").toString()).put("inputs", d.resolve("x.npy").toString());
            entry.putArray("shape").add(3).add(size).add(size);
            entry.putArray("onnx").add(d.resolve("folded.onnx").toString()).add(d.resolve("unfolded.onnx").toString());
            return expected;
        }
    }

    /** max |actual - expected| <= REL × max |expected|, as Fixtures.assertClose. */
    private static void assertClose(JsonNode rows, float[] expected, String what) {
        double scale = 0;
        double worst = 0;
        int classes = expected.length / rows.size();
        for (int i = 0; i < rows.size(); i++) {
            assertThat(rows.get(i).size()).as(what).isEqualTo(classes);
            for (int c = 0; c < classes; c++) {
                double e = expected[i * classes + c];
                scale = Math.max(scale, Math.abs(e));
                worst = Math.max(worst, Math.abs(rows.get(i).get(c).asDouble() - e));
            }
        }
        assertThat(worst).as("%s: max abs difference at scale %s", what, scale).isLessThanOrEqualTo(REL * scale);
    }
}
