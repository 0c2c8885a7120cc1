package org.resnet4j.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.SGD;
import org.bytedeco.pytorch.SGDOptions;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.MemoryFormat;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.resnet4j.engine.Engine;
import org.resnet4j.engine.Layout;
import org.resnet4j.engine.Precision;
import org.resnet4j.engine.Tensors;
import org.resnet4j.model.ModelOptions;
import org.resnet4j.model.ResNet;
import org.resnet4j.model.ResNets;
import org.resnet4j.model.Shortcut;

/**
 * One training step of every variant family, in fp32 and bf16, NCHW and (where the family supports it) channels-last:
 * the loss is finite and every parameter tensor moved and stayed finite. Forward-only tests did not see the backward
 * pass of the bottleneck nets kill the JVM.
 */
class EveryFamilyTrainsTest {
    /**
     * A representative of each family. Inputs are as small as the nets allow: 16×16 leaves the CIFAR nets' last stage
     * 2×2, 32×32 the ImageNet nets' 1×1 (BN over 2 images still has 2 values per channel).
     */
    static Stream<Arguments> cases() {
        Object[][] families = {
            {"resnet18", null}, {"resnet50", null}, {"imagenet_resnet18", null}, {"imagenet_resnet50", null},
            {"preact_resnet18", null}, {"preact_resnet20", null}, {"preact_resnet50", null},
            {"resnet20", Shortcut.A}, {"resnet20", Shortcut.B}, {"plain20", null}, {"resnet9", null},
        };
        List<Arguments> out = new ArrayList<>();
        for (Object[] f : families) {
            for (boolean bf16 : new boolean[] {false, true}) {
                for (boolean channelsLast : new boolean[] {false, true}) {
                    out.add(Arguments.of(f[0], f[1], bf16, channelsLast));
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} shortcut {1}, bf16 {2}, channels-last {3}")
    @MethodSource("cases")
    void oneStepTrains(String name, Shortcut shortcut, boolean bf16, boolean channelsLast) {
        Engine.seed(3);
        ModelOptions options = ModelOptions.of(name);
        if (shortcut != null) {
            options = options.withShortcut(shortcut);
        }
        if (channelsLast && !Layout.supported(options.architecture())) {
            return; // the engine keeps this layout NCHW here (Kernels); refusing it is tested in InferenceOptimisationTest
        }
        try (PointerScope scope = new PointerScope()) {
            ResNet net = ResNets.create(options);
            if (channelsLast) {
                net.toChannelsLast();
            }
            net.train(true);
            TensorVector params = net.parameters();
            List<Tensor> before = new ArrayList<>();
            for (long i = 0; i < params.size(); i++) {
                before.add(params.get(i).detach().clone());
            }
            SGD sgd = new SGD(params, new SGDOptions(0.05));
            int size = name.startsWith("imagenet") ? 32 : 16;
            Tensor x = torch.randn(2, 3, size, size);
            if (channelsLast) {
                x = x.contiguous(MemoryFormat.ChannelsLast);
            }
            Tensor y = Tensors.fromLongs(new long[] {1, 7}, 2);
            TrainStep.Outcome o = new TrainStep(net, sgd, bf16 ? Precision.BF16 : Precision.FP32, 0, 0).run(x, y, 0.05);
            assertThat(o.loss()).isFinite().isPositive();
            for (long i = 0; i < params.size(); i++) {
                Tensor p = params.get(i);
                assertThat(p.isfinite().all().item_bool()).as("parameter %d finite", i).isTrue();
                assertThat(p.sub(before.get((int) i)).abs().max().item_double()).as("parameter %d moved", i)
                        .isPositive();
            }
        }
    }
}
