package org.resnet4j.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Map;

import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.resnet4j.engine.Engine;
import org.resnet4j.engine.Tensors;
import org.resnet4j.io.StateDict;

/** Each scheme draws from the distribution PyTorch's equivalent would; checked on the moments of big tensors. */
class InitSchemeTest {

    private static double[] moments(Tensor t) {
        float[] v = Tensors.toFloats(t);
        double sum = 0;
        double sq = 0;
        double max = 0;
        for (float f : v) {
            sum += f;
            sq += (double) f * f;
            max = Math.max(max, Math.abs(f));
        }
        double mean = sum / v.length;
        return new double[] {mean, Math.sqrt(sq / v.length - mean * mean), max};
    }

    @Test
    void pytorchDefaultIsUniformWithBoundOneOverSqrtFanIn() {
        Map<String, Tensor> sd = StateDict.of(ResNets.create(ModelOptions.of("resnet18").withInit(InitScheme.PYTORCH)));
        double bound = 1 / Math.sqrt(256 * 9); // layer3.0.conv2: 256 in-channels, 3x3
        double[] m = moments(sd.get("layer3.0.conv2.weight"));
        assertThat(m[2]).isLessThanOrEqualTo(bound).isGreaterThan(0.99 * bound);
        assertThat(m[1]).isCloseTo(bound / Math.sqrt(3), within(0.01 * bound));
        double fcBound = 1 / Math.sqrt(512);
        assertThat(moments(sd.get("fc.bias"))[2]).isLessThanOrEqualTo(fcBound);
        assertThat(moments(sd.get("bn1.weight"))[0]).isEqualTo(1.0);
        assertThat(moments(sd.get("bn1.bias"))[2]).isZero();
    }

    @Test
    void torchvisionSchemeIsNormalWithFanOut() {
        Map<String, Tensor> sd = StateDict.of(ResNets.create("imagenet_resnet18"));
        double std = Math.sqrt(2.0 / (256 * 9)); // layer3.0.conv2: 256 out-channels, 3x3
        assertThat(moments(sd.get("layer3.0.conv2.weight"))[1]).isCloseTo(std, within(0.02 * std));
    }

    @Test
    void heSchemeIsNormalWithFanInForConvAndLinear() {
        Engine.seed(1); // fc.weight has 640 values: 10 % off is 3.6 standard errors, so a draw left to chance can fail
        Map<String, Tensor> sd = StateDict.of(ResNets.create("resnet110"));
        double std = Math.sqrt(2.0 / (64 * 9));
        // 18 blocks of 64x64x3x3 pooled: enough samples for a 2 % check
        double[] m = moments(sd.get("layer3.5.conv2.weight"));
        assertThat(m[1]).isCloseTo(std, within(0.03 * std));
        assertThat(moments(sd.get("fc.weight"))[1]).isCloseTo(Math.sqrt(2.0 / 64), within(0.1 * Math.sqrt(2.0 / 64)));
    }
}
