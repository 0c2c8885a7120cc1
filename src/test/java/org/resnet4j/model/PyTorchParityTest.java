package org.resnet4j.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.resnet4j.testing.Fixtures.assertClose;

import java.io.IOException;
import java.util.Map;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.resnet4j.engine.Tensors;
import org.resnet4j.io.StateDict;
import org.resnet4j.io.Weights;
import org.resnet4j.testing.DeterministicWeights;
import org.resnet4j.testing.Fixtures;

/** The same weights give PyTorch's logits, in eval mode and in training mode (batch statistics). */
class PyTorchParityTest {
    private static final double REL = 1e-4;

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "resnet18_deterministic, resnet18, B, 3",
        "resnet50_deterministic, resnet50, B, 3",
        "imagenet_resnet18_deterministic, imagenet_resnet18, B, 3",
        "preact_resnet18_deterministic, preact_resnet18, B, 3",
        "preact_resnet164_deterministic, preact_resnet164, B, 3",
        "plain20_deterministic, plain20, NONE, 3",
        "resnet20_deterministic, resnet20, A, 3",
        "resnet20_B_deterministic, resnet20, B, 3",
        "resnet20_1ch_deterministic, resnet20, A, 1",
        "resnet9_deterministic, resnet9, B, 3",
    })
    void formulaWeights(String fixture, String model, String shortcut, int channels) throws IOException {
        try (PointerScope scope = new PointerScope()) {
            Map<String, Tensor> f = Fixtures.tensors(fixture + ".safetensors");
            ResNet net = ResNets.create(ModelOptions.of(model).withShortcut(Shortcut.parse(shortcut))
                    .withInChannels(channels));
            DeterministicWeights.fill(net);
            try (NoGradGuard g = new NoGradGuard()) {
                net.eval();
                assertClose(net.forward(f.get("input")), f.get("logits_eval"), REL);
                net.train(true);
                assertClose(net.forward(f.get("input")), f.get("logits_train"), REL);
            }
        }
    }

    @Test
    void trainedResnet20FromPyTorch() throws IOException {
        try (PointerScope scope = new PointerScope()) {
            Map<String, Tensor> f = Fixtures.tensors("resnet20_parity.safetensors");
            ResNet net = ResNets.create("resnet20");
            Weights.loadInto(net, Fixtures.path("resnet20_trained.safetensors"), true);
            try (NoGradGuard g = new NoGradGuard()) {
                net.eval();
                assertClose(net.forward(f.get("input")), f.get("logits_eval"), REL);
                assertClose(net.features(f.get("input")), f.get("features_eval"), REL);
                net.train(true);
                assertClose(net.forward(f.get("input")), f.get("logits_train"), REL);
            }
            // The train-mode pass moved the running statistics by PyTorch's momentum (0.1), unbiased variance.
            Map<String, Tensor> state = StateDict.of(net);
            assertClose(state.get("layer2.0.bn1.running_mean"), f.get("layer2.0.bn1.running_mean_after_train"), REL);
            assertClose(state.get("layer2.0.bn1.running_var"), f.get("layer2.0.bn1.running_var_after_train"), REL);
        }
    }

    @Test
    void torchSaveFileHoldsTheSameTensorsAsSafetensors() throws IOException {
        try (PointerScope scope = new PointerScope()) {
            Map<String, Tensor> pt = Weights.read(Fixtures.path("resnet20_trained.pt")).tensors();
            Map<String, Tensor> st = Weights.read(Fixtures.path("resnet20_trained.safetensors")).tensors();
            assertThat(pt.keySet()).containsExactlyInAnyOrderElementsOf(st.keySet());
            for (String k : st.keySet()) {
                assertThat(pt.get(k).scalar_type().value).as(k).isEqualTo(st.get(k).scalar_type().value);
                assertThat(Tensors.toBytes(pt.get(k))).as(k).isEqualTo(Tensors.toBytes(st.get(k)));
            }
        }
    }

    @Test
    void stateDictKeysAreExactlyPyTorchsInPyTorchsOrder() throws IOException {
        try (PointerScope scope = new PointerScope()) {
            // tools/make_fixtures.py wrote the header in state_dict() order
            Map<String, Tensor> pytorch = Weights.read(Fixtures.path("resnet20_trained.safetensors")).tensors();
            assertThat(StateDict.of(ResNets.create("resnet20")).keySet()).containsExactlyElementsOf(pytorch.keySet());
        }
    }
}
