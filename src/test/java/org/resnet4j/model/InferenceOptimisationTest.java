package org.resnet4j.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.resnet4j.testing.Fixtures.assertClose;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.MemoryFormat;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.resnet4j.engine.ChannelsLast;
import org.resnet4j.engine.Engine;
import org.resnet4j.testing.DeterministicWeights;

/** Folding BatchNorm and channels-last weights change how fast inference runs, never what it computes. */
class InferenceOptimisationTest {

    @ParameterizedTest
    @ValueSource(strings = {"resnet18", "resnet20", "imagenet_resnet50", "preact_resnet18", "plain20"})
    void foldedAndChannelsLastModelsGiveTheSameLogits(String name) {
        Engine.seed(4);
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            ResNet net = ResNets.create(ModelOptions.of(name).withShortcut(name.equals("resnet20") ? Shortcut.B
                    : ModelOptions.of(name).shortcut()));
            DeterministicWeights.fill(net);
            net.eval();
            int size = name.startsWith("imagenet") ? 64 : 32;
            Tensor x = torch.randn(3, 3, size, size);
            Tensor expected = net.forward(x);
            net.foldBatchNorm();
            assertThat(net.isFolded()).isTrue();
            assertClose(net.forward(x), expected, 1e-4);
            ChannelsLast.convert(net);
            assertClose(net.forward(x.contiguous(MemoryFormat.ChannelsLast)), expected, 1e-4);
        }
    }
}
