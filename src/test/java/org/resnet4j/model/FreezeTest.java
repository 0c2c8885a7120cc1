package org.resnet4j.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.bytedeco.pytorch.StringSharedModuleDict;
import org.bytedeco.pytorch.StringTensorDict;
import org.junit.jupiter.api.Test;

class FreezeTest {
    @Test
    void parsesAndCoversTheNamedParts() {
        assertThat(Freeze.parse("none").covers("conv1.weight")).isFalse();
        Freeze stem = Freeze.parse("stem");
        assertThat(stem.covers("conv1.weight")).isTrue();
        assertThat(stem.covers("bn1.running_mean")).isTrue();
        assertThat(stem.covers("layer1.0.conv1.weight")).isFalse();
        Freeze l2 = Freeze.parse("layer2");
        assertThat(l2.covers("layer2.1.bn2.weight")).isTrue();
        assertThat(l2.covers("layer3.0.conv1.weight")).isFalse();
        assertThat(l2.covers("layer10.0.conv1.weight")).isFalse();
        assertThat(l2.toString()).isEqualTo("layer2");
        Freeze bb = Freeze.parse("backbone");
        assertThat(bb.covers("post_bn.weight")).isTrue();
        assertThat(bb.covers("fc.weight")).isFalse();
        assertThatThrownBy(() -> Freeze.parse("layer0")).hasMessageContaining("layerK");
        assertThatThrownBy(() -> Freeze.parse("head")).hasMessageContaining("is not none, stem");
        assertThatThrownBy(() -> Freeze.parse("layer4").check(Variants.get("resnet20")))
                .hasMessageContaining("resnet20 has 3 stages");
    }

    @Test
    void frozenLayersStayInEvalModeAndNeedNoGradient() {
        ResNet net = ResNets.create("resnet20");
        net.freeze(Freeze.parse("layer2"));
        net.train(true);
        assertModes(net, "layer2");
        net.eval();
        net.train(true);
        assertModes(net, "layer2");
        StringTensorDict params = net.named_parameters(true);
        for (long i = 0; i < params.size(); i++) {
            String k = params.get(i).key().getString();
            assertThat(params.get(i).value().requires_grad()).as(k).isEqualTo(!Freeze.parse("layer2").covers(k));
        }
        net.freeze(Freeze.NONE);
        assertModes(net, "none");
    }

    private static void assertModes(ResNet net, String frozen) {
        Freeze f = Freeze.parse(frozen);
        StringSharedModuleDict modules = net.named_modules();
        for (long i = 0; i < modules.size(); i++) {
            var key = modules.get(i).key();
            String k = key == null ? "" : key.getString();
            assertThat(modules.get(i).value().is_training()).as(k).isEqualTo(k.isEmpty() || !f.covers(k));
        }
    }
}
