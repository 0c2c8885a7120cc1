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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.resnet4j.engine.Engine;
import org.resnet4j.engine.Kernels;
import org.resnet4j.engine.Layout;
import org.resnet4j.testing.DeterministicWeights;

/** Folding BatchNorm and channels-last layout change how fast a model runs, never what it computes. */
class InferenceOptimisationTest {

    /**
     * Channels-last gives NCHW's training loss and gradients. resnet18's 256→512 strided projection is where oneDNN's
     * channels-last 1×1 kernel went wrong (relative error 0.5) while it planned for one-byte caches, the bottleneck
     * nets' projections where it crashed, and ResNet-9's 64→128 transition where its gradients went wrong.
     *
     * <p>Gradients of whole nets can only be compared coarsely: rounding that moves one activation across ReLU's kink
     * changes the gradient at that position, and in a stage of 2×2 positions and 4 images that moves every gradient
     * before it by about 1e-2 (imagenet_resnet18 at 64×64: one channel of layer4.1.bn1, all the others equal to 1e-9;
     * NCHW with one thread against NCHW with two differs as much for preact_resnet50). With batch statistics the
     * bottleneck nets are worse still: a relative perturbation of 6e-8 of the input moves float64 gradients by 1e-2.
     * So the gradients are compared with BatchNorm in eval mode and over all parameters at once, at 5e-2, which the
     * wrong kernels exceed by far; ConvolutionKernelsTest holds every convolution to float64 at 1e-5.
     */
    @ParameterizedTest
    @ValueSource(strings = {"resnet18", "preact_resnet18", "resnet20", "imagenet_resnet18", "resnet50",
            "imagenet_resnet50", "preact_resnet50", "resnet9"})
    void channelsLastTrainingGivesTheSameLossAndGradients(String name) {
        assumeTrue(Layout.supported(ModelOptions.of(name).architecture()), "oneDNN's caches could not be corrected");
        try (PointerScope scope = new PointerScope()) {
            // at 32x32 an ImageNet net's last stage is 1x1, and BN over 4 values amplifies rounding
            int size = name.startsWith("imagenet") ? 64 : 32;
            Engine.seed(5);
            Tensor x = torch.randn(4, 3, size, size);
            Tensor y = org.resnet4j.engine.Tensors.fromLongs(new long[] {1, 2, 3, 4}, 4);
            // two identical nets, as a train-mode pass moves the running statistics the eval-mode pass uses
            Engine.seed(6);
            ResNet nchw = ResNets.create(ModelOptions.of(name).withShortcut(Shortcut.B));
            Engine.seed(6);
            ResNet cl = ResNets.create(ModelOptions.of(name).withShortcut(Shortcut.B));
            cl.toChannelsLast();
            Tensor xcl = x.contiguous(MemoryFormat.ChannelsLast);
            Tensor nchwGrads = evalGradients(nchw, x, y);
            Tensor clGrads = evalGradients(cl, xcl, y);
            double error = clGrads.sub(nchwGrads).norm().item_double() / nchwGrads.norm().item_double();
            assertThat(error).as("relative difference of all gradients").isLessThanOrEqualTo(5e-2);
            double nchwLoss = trainLoss(nchw, x, y);
            assertThat(trainLoss(cl, xcl, y)).isCloseTo(nchwLoss, org.assertj.core.data.Offset.offset(1e-5 * nchwLoss));
        }
    }

    private static double trainLoss(ResNet net, Tensor x, Tensor y) {
        net.train(true);
        try (NoGradGuard g = new NoGradGuard()) {
            return torch.cross_entropy(net.forward(x), y).item_double();
        }
    }

    /** Every parameter's gradient, flattened into one vector, with BatchNorm using its running statistics. */
    private static Tensor evalGradients(ResNet net, Tensor x, Tensor y) {
        net.eval();
        net.zero_grad(true);
        torch.cross_entropy(net.forward(x), y).backward();
        var params = net.parameters();
        org.bytedeco.pytorch.TensorVector flat = new org.bytedeco.pytorch.TensorVector();
        for (long i = 0; i < params.size(); i++) {
            flat.push_back(params.get(i).grad().flatten(0, -1));
        }
        return torch.cat(new org.bytedeco.pytorch.TensorArrayRef(flat));
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
                assertThat(Kernels.channelsLastEverywhere()).isFalse();
                assertThat(name).isIn("imagenet_resnet50", "resnet9"); // bottlenecks and ResNet-9 stay NCHW
                assertThatThrownBy(net::toChannelsLast).hasMessageContaining("cannot run channels-last");
            }
        }
    }
}
