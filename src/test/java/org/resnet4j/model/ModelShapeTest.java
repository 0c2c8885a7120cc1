package org.resnet4j.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.stream.Stream;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.SGD;
import org.bytedeco.pytorch.SGDOptions;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.resnet4j.engine.Layout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.resnet4j.engine.Engine;
import org.resnet4j.engine.Tensors;

class ModelShapeTest {

    /** Every variant but the two 1000-layer ones (19M and 10M parameters of pure depth) at 32×32, 1 and 3 channels. */
    static Stream<Arguments> smallInputs() {
        return Variants.all().stream().map(Architecture::name).filter(n -> !n.endsWith("1202") && !n.endsWith("1001"))
                .flatMap(n -> Stream.of(Arguments.of(n, 3, 32), Arguments.of(n, 1, 32)));
    }

    /** One variant of each family and block kind at 224×224. */
    static Stream<Arguments> largeInputs() {
        return Stream.of("resnet18", "resnet50", "imagenet_resnet18", "imagenet_resnet50", "resnet20", "plain20",
                "preact_resnet18", "preact_resnet164")
                .flatMap(n -> Stream.of(Arguments.of(n, 3, 224), Arguments.of(n, 1, 224)));
    }

    @ParameterizedTest(name = "{0} on {1}x{2}x{2}")
    @MethodSource({"smallInputs", "largeInputs"})
    void logitsHaveOneRowPerImageAndOneColumnPerClass(String name, int channels, int size) {
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            ResNet net = ResNets.create(ModelOptions.of(name).withInChannels(channels).withClasses(7));
            net.eval();
            Tensor out = net.forward(torch.randn(2, channels, size, size));
            assertThat(Tensors.shape(out)).containsExactly(2, 7);
            assertThat(Tensors.shape(net.features(torch.randn(1, channels, size, size))))
                    .containsExactly(1, net.featureCount());
            List<LayerRow> rows = net.summary(new Shape(channels, size, size), 3);
            assertThat(rows.get(rows.size() - 1).output()).isEqualTo(new Shape(7, 1, 1));
        }
    }

    @Test
    void channelsLastIsPreferredWhereItWasMeasuredFaster() {
        Architecture narrow = ModelOptions.of("resnet20").architecture();
        Architecture wide = ModelOptions.of("resnet18").architecture();
        assertThat(Layout.AUTO.channelsLast(narrow, false)).isTrue();
        assertThat(Layout.AUTO.channelsLast(ModelOptions.of("plain56").architecture(), false)).isTrue();
        assertThat(Layout.AUTO.channelsLast(wide, false)).isFalse();
        assertThat(Layout.AUTO.channelsLast(wide, true)).isTrue();
        for (String unsupported : List.of("imagenet_resnet50", "resnet9")) {
            Architecture a = ModelOptions.of(unsupported).architecture();
            if (Layout.supported(a)) { // oneDNN plans with real or corrected cache sizes: every net may run channels-last
                assertThat(Layout.CHANNELS_LAST.channelsLast(a, true)).as(unsupported).isTrue();
                continue;
            }
            assertThat(Layout.AUTO.channelsLast(a, true)).as(unsupported).isFalse();
            assertThatThrownBy(() -> Layout.CHANNELS_LAST.channelsLast(a, true)).as(unsupported)
                    .hasMessageContaining("cannot run channels-last");
        }
        assertThat(Layout.CHANNELS_LAST.channelsLast(wide, false)).isTrue();
        assertThat(Layout.NCHW.channelsLast(narrow, true)).isFalse();
    }

    /** libtorch calls back into Java for train()/eval(); every container's Java object must survive GC. */
    @Test
    void modeSwitchesWorkAfterGarbageCollection() throws InterruptedException {
        ResNet net = ResNets.create(ModelOptions.of("resnet20").withShortcut(Shortcut.B));
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(20);
        }
        net.eval();
        assertThat(net.is_training()).isFalse();
        net.train(true);
        assertThat(net.stages().get(2).get(0).is_training()).isTrue();
    }

    @Test
    void oneSgdStepLowersTheLossOnATinyBatch() {
        Engine.seed(1);
        try (PointerScope scope = new PointerScope()) {
            ResNet net = ResNets.create("resnet20");
            Tensor x = torch.randn(8, 3, 32, 32);
            Tensor y = Tensors.fromLongs(new long[] {0, 1, 2, 3, 4, 5, 6, 7}, 8);
            SGDOptions o = new SGDOptions(0.05);
            o.momentum().put(0.9);
            SGD sgd = new SGD(net.parameters(), o);
            net.train(true);
            Tensor loss = torch.cross_entropy(net.forward(x), y);
            float before = loss.item_float();
            sgd.zero_grad();
            loss.backward();
            sgd.step();
            float after = torch.cross_entropy(net.forward(x), y).item_float();
            assertThat(after).isLessThan(before);
        }
    }

    @Test
    void summaryTotalsMatchTheModelAndKnownMultiplyAdds() {
        ResNet r50 = ResNets.create("imagenet_resnet50");
        List<LayerRow> rows = r50.summary(new Shape(3, 224, 224), 1);
        assertThat(rows.stream().mapToLong(LayerRow::parameters).sum()).isEqualTo(r50.parameterCount());
        // torchvision's published figure for ResNet-50: 4.09 G multiply-adds (it calls them GFLOPS)
        assertThat(rows.stream().mapToLong(LayerRow::multiplyAdds).sum() / 1e9).isBetween(4.08, 4.10);
        ResNet r18 = ResNets.create("imagenet_resnet18");
        long r18Macs = r18.summary(new Shape(3, 224, 224), 1).stream().mapToLong(LayerRow::multiplyAdds).sum();
        assertThat(r18Macs / 1e9).isBetween(1.81, 1.83);
    }

    @Test
    void summaryShowsEachBlocksShortcut() {
        List<LayerRow> rows = ResNets.create("resnet20").summary(new Shape(3, 32, 32), 2);
        assertThat(rows).anySatisfy(r -> {
            assertThat(r.name()).isEqualTo("layer2.0");
            assertThat(r.kind()).contains("zero-pad (A)");
        });
        assertThat(rows).anySatisfy(r -> {
            assertThat(r.name()).isEqualTo("layer1.0");
            assertThat(r.kind()).contains("identity");
        });
        assertThat(ResNets.create("resnet18").summary(new Shape(3, 32, 32), 2))
                .anySatisfy(r -> assertThat(r.kind()).contains("projection 1x1/2 + BN"));
    }

    @Test
    void zeroInitResidualMakesEveryBlockStartAsItsShortcut() {
        ResNet net = ResNets.create(ModelOptions.of("resnet18").withZeroInitResidual(true));
        for (List<Block> stage : net.stages()) {
            for (Block b : stage) {
                assertThat(b.lastBranchWeight().abs().max().item_float()).isZero();
            }
        }
    }

    @Test
    void badOptionsAreRefusedWithAClearMessage() {
        assertThatThrownBy(() -> ModelOptions.of("resnet19")).hasMessageContaining("unknown model 'resnet19'")
                .hasMessageContaining("resnet20");
        assertThatThrownBy(() -> ModelOptions.of("resnet18").withClasses(0)).hasMessageContaining("classes");
        assertThatThrownBy(() -> ModelOptions.of("plain20").withZeroInitResidual(true))
                .hasMessageContaining("plain");
        assertThatThrownBy(() -> ResNets.create("resnet20").summary(new Shape(1, 32, 32), 1))
                .hasMessageContaining("3-channel");
    }
}
