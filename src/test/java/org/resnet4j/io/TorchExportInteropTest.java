package org.resnet4j.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.resnet4j.data.DatasetKind;
import org.resnet4j.data.Preprocessing;
import org.resnet4j.engine.Engine;
import org.resnet4j.engine.Tensors;
import org.resnet4j.model.ModelOptions;
import org.resnet4j.model.ResNet;
import org.resnet4j.model.ResNets;
import org.resnet4j.model.Shortcut;
import org.resnet4j.testing.DeterministicWeights;
import org.resnet4j.testing.PythonTorch;

/** What resnet4j exports, PyTorch itself loads (strictly) and computes the same logits from; skipped without it. */
class TorchExportInteropTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"r20.pt", "r20.safetensors"})
    void pyTorchLoadsTheExportAndComputesTheSameLogits(String fileName) throws IOException {
        assumeTrue(PythonTorch.available(), "/usr/bin/python3 with torch (Debian's python3-torch) is not installed");
        Engine.seed(9);
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            ResNet net = ResNets.create(ModelOptions.of("resnet20").withShortcut(Shortcut.B).withClasses(5));
            DeterministicWeights.fill(net);
            net.eval();
            Tensor x = torch.randn(4, 3, 32, 32);
            float[] expected = Tensors.toFloats(net.forward(x));
            float[] flat = Tensors.toFloats(x);
            float[][] rows = new float[4][];
            for (int i = 0; i < 4; i++) {
                rows[i] = java.util.Arrays.copyOfRange(flat, i * 3072, (i + 1) * 3072);
            }
            Path inputs = dir.resolve("x.npy");
            Npy.write(inputs, rows);
            Path weights = dir.resolve(fileName);
            Weights.save(net, List.of("a", "b", "c", "d", "e"), Preprocessing.defaults(DatasetKind.CIFAR10, 3, 32),
                    weights);

            JsonNode out = new ObjectMapper().readTree(PythonTorch.run("tools/load_exported.py", "resnet20",
                    weights.toString(), inputs.toString(), "5"));
            JsonNode logits = out.get("logits");
            assertThat(logits.size()).isEqualTo(4);
            for (int i = 0; i < 4; i++) {
                for (int c = 0; c < 5; c++) {
                    double want = expected[i * 5 + c];
                    assertThat(logits.get(i).get(c).asDouble()).as("logit %d,%d", i, c)
                            .isCloseTo(want, org.assertj.core.data.Offset.offset(1e-4 * Math.max(1, Math.abs(want))));
                }
            }
        }
    }
}
