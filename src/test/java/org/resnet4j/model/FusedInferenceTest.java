package org.resnet4j.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.resnet4j.testing.Fixtures.assertClose;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.MemoryFormat;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.resnet4j.engine.Autocast;
import org.resnet4j.engine.Engine;
import org.resnet4j.engine.Layout;
import org.resnet4j.testing.DeterministicWeights;

/** oneDNN's fused convolutions change how fast a folded model runs, not what it computes. */
class FusedInferenceTest {

    /** Every shortcut kind (A, B, none), both block kinds, the ImageNet stem's max-pool and ResNet-9's transitions. */
    @ParameterizedTest
    @ValueSource(strings = {"resnet20", "resnet18", "imagenet_resnet50", "plain20", "resnet9"})
    void fusedModelGivesThePlainFoldedLogits(String name) {
        assumeTrue(ResNet.fusable(ModelOptions.of(name).architecture()), "no fused oneDNN convolutions here");
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            ResNet net = folded(name);
            Tensor x = input(name, 3);
            Tensor expected = net.forward(x);
            Tensor expectedFeatures = net.features(x);
            net.fuseForInference();
            assertThat(net.isFused()).isTrue();
            assertClose(net.forward(x), expected, 1e-4);
            assertClose(net.forward(x.contiguous(MemoryFormat.ChannelsLast)), expected, 1e-4);
            assertClose(net.features(x), expectedFeatures, 1e-4);
            // weights packed for batch 3 serve any batch size
            assertClose(net.forward(x.narrow(0, 1, 1)), expected.narrow(0, 1, 1), 1e-4);
            if (Layout.supported(net.architecture())) {
                net.toChannelsLast();
                assertClose(net.forward(x.contiguous(MemoryFormat.ChannelsLast)), expected, 1e-4);
            }
        }
    }

    /**
     * Under bf16 autocast the fused path runs in bfloat16 too. Both paths round activations to bfloat16's 8-bit
     * significand, but at different places (the plain path rounds a block's last convolution before the residual add,
     * the fused one after it), so they are compared with each other and with float32 at 5e-2 of
     * the logits' scale (either path differs from float32 by 4e-3 to 9e-3 of it in these nets, fp32 fused from plain
     * by 1e-6).
     */
    @ParameterizedTest
    @ValueSource(strings = {"resnet20", "resnet18", "imagenet_resnet50"})
    void fusedBf16IsAsCloseAsThePlainBf16Path(String name) {
        assumeTrue(ResNet.fusable(ModelOptions.of(name).architecture()), "no fused oneDNN convolutions here");
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            ResNet net = folded(name);
            Tensor x = input(name, 2);
            Tensor fp32 = net.forward(x);
            Tensor plain;
            try (Autocast ac = Autocast.bf16(true)) {
                plain = net.forward(x).to(ScalarType.Float);
            }
            net.fuseForInference();
            Tensor fused;
            try (Autocast ac = Autocast.bf16(true)) {
                Tensor y = net.forward(x);
                assertThat(y.scalar_type().value).isEqualTo(ScalarType.BFloat16.value);
                fused = y.to(ScalarType.Float);
            }
            assertClose(fused, plain, 5e-2);
            assertClose(fused, fp32, 5e-2);
            assertClose(plain, fp32, 5e-2);
            // the float32 weights are packed separately: leaving autocast computes in float32 again
            assertClose(net.forward(x), fp32, 1e-4);
        }
    }

    /** The fused kernels record nothing for autograd: training mode (folded or not) keeps to the plain layers. */
    @Test
    void trainingModeRunsThePlainLayers() {
        assumeTrue(ResNet.fusable(ModelOptions.of("resnet20").architecture()), "no fused oneDNN convolutions here");
        try (PointerScope scope = new PointerScope()) {
            ResNet net = folded("resnet20");
            net.fuseForInference();
            Tensor x = input("resnet20", 2);
            Tensor fused = net.body(x);
            assertThat(fused.requires_grad()).isFalse();
            net.train(true);
            Tensor plain = net.body(x);
            assertThat(plain.requires_grad()).isTrue();
            assertClose(plain.detach(), fused, 1e-4); // folded BatchNorm is the same map in either mode
        }
    }

    @Test
    void refusesUnfoldedAndPreActivationNets() {
        Engine.seed(1);
        try (PointerScope scope = new PointerScope()) {
            ResNet unfolded = ResNets.create(ModelOptions.of("resnet20"));
            assertThatThrownBy(unfolded::fuseForInference).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("fold BatchNorm");
            assertThat(unfolded.isFused()).isFalse();
            ResNet preact = ResNets.create(ModelOptions.of("preact_resnet20"));
            preact.eval();
            preact.foldBatchNorm();
            assertThat(ResNet.fusable(preact.architecture())).isFalse();
            assertThatThrownBy(preact::fuseForInference).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("does not fuse");
        }
    }

    private static ResNet folded(String name) {
        Engine.seed(4);
        ResNet net = ResNets.create(ModelOptions.of(name));
        DeterministicWeights.fill(net);
        net.eval();
        net.foldBatchNorm();
        return net;
    }

    private static Tensor input(String name, int n) {
        Engine.seed(5);
        int size = name.startsWith("imagenet") ? 64 : 32;
        return torch.randn(n, 3, size, size);
    }
}
