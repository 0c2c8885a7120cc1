package org.resnet4j.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.resnet4j.testing.Fixtures.assertClose;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.MemoryFormat;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.resnet4j.engine.Engine;
import org.resnet4j.engine.Layout;
import org.resnet4j.testing.DeterministicWeights;

/** Folding BatchNorm and channels-last layout change how fast a model runs, never what it computes. */
class InferenceOptimisationTest {

    /**
     * Training in channels-last gives NCHW's loss and gradients; resnet18's 256→512 strided projection is where
     * oneDNN's own channels-last 1×1 kernel went wrong on this CPU (relative error 0.5), hence the matrix-product path.
     */
    @ParameterizedTest
    @ValueSource(strings = {"resnet18", "preact_resnet18", "resnet20", "imagenet_resnet18"})
    void channelsLastTrainingGivesTheSameLossAndGradients(String name) {
        Engine.seed(5);
        try (PointerScope scope = new PointerScope()) {
            ResNet net = ResNets.create(ModelOptions.of(name).withShortcut(Shortcut.B));
            net.train(true);
            // at 32x32 an ImageNet net's last stage is 1x1, and BN over 4 values amplifies rounding
            int size = name.startsWith("imagenet") ? 64 : 32;
            Tensor x = torch.randn(4, 3, size, size);
            Tensor y = org.resnet4j.engine.Tensors.fromLongs(new long[] {1, 2, 3, 4}, 4);
            Tensor nchwLoss = torch.cross_entropy(net.forward(x), y);
            nchwLoss.backward();
            java.util.Map<String, Tensor> grads = new java.util.LinkedHashMap<>();
            var params = net.named_parameters();
            for (long i = 0; i < params.size(); i++) {
                grads.put(params.get(i).key().getString(), params.get(i).value().grad().clone());
            }
            net.zero_grad(true);
            net.toChannelsLast();
            Tensor clLoss = torch.cross_entropy(net.forward(x.contiguous(MemoryFormat.ChannelsLast)), y);
            clLoss.backward();
            assertThat(clLoss.item_double()).isCloseTo(nchwLoss.item_double(),
                    org.assertj.core.data.Offset.offset(1e-5));
            for (long i = 0; i < params.size(); i++) {
                String key = params.get(i).key().getString();
                assertClose(params.get(i).value().grad(), grads.get(key), 1e-4);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"resnet18", "resnet20", "imagenet_resnet50", "preact_resnet18", "plain20", "resnet9"})
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
            if (Layout.supported(net.architecture())) {
                net.toChannelsLast();
                assertClose(net.forward(x.contiguous(MemoryFormat.ChannelsLast)), expected, 1e-4);
            } else {
                assertThat(name).isIn("imagenet_resnet50", "resnet9"); // bottlenecks and ResNet-9 stay NCHW
                assertThatThrownBy(net::toChannelsLast).hasMessageContaining("cannot run channels-last");
            }
        }
    }
}
