package org.resnet4j.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.MemoryFormat;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every convolution geometry of the ResNet family, forward and both backward passes, in NCHW and channels-last, fp32
 * and bf16, against libtorch's float64 convolution (which oneDNN does not run). On a processor that reports no cache
 * sizes, libtorch 2.10's oneDNN crashed here (strided 1×1 backward between 512/1024 and 1024/2048 channels) or
 * computed wrong values (channels-last 1×1 256→512, stride 2: relative error 0.135) until {@link OneDnnCacheSizes}.
 */
class ConvolutionKernelsTest {
    /** Batch, in and out channels, input size, kernel, stride: stems, basic and bottleneck blocks, projections. */
    static Stream<Arguments> geometries() {
        int[][] g = {
            {2, 3, 64, 16, 3, 1}, {2, 1, 16, 16, 3, 1}, {2, 3, 64, 32, 7, 2}, // CIFAR, grey and ImageNet stems
            {2, 64, 64, 16, 3, 1}, {2, 64, 128, 16, 3, 2}, {2, 128, 128, 8, 3, 1}, {2, 256, 256, 8, 3, 2},
            {2, 16, 32, 16, 1, 2}, {2, 64, 128, 16, 1, 2}, {2, 128, 256, 8, 1, 2}, {2, 256, 512, 8, 1, 2},
            {2, 64, 256, 8, 1, 1}, {2, 256, 64, 8, 1, 1}, {2, 256, 1024, 8, 1, 1}, {2, 1024, 256, 8, 1, 1},
            {2, 512, 1024, 8, 1, 2}, {2, 1024, 2048, 8, 1, 2}, {2, 1024, 512, 4, 1, 1}, {2, 512, 2048, 4, 1, 1},
            {2, 2048, 512, 4, 1, 1},
        };
        List<Arguments> out = new ArrayList<>();
        for (int[] s : g) {
            for (boolean cl : new boolean[] {false, true}) {
                for (boolean bf16 : new boolean[] {false, true}) {
                    out.add(Arguments.of(s[0], s[1], s[2], s[3], s[4], s[5], cl, bf16));
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "n{0} {1}->{2} at {3}x{3}, {4}x{4} stride {5}, channels-last {6}, bf16 {7}")
    @MethodSource("geometries")
    void matchesFloat64(int n, int in, int outChannels, int size, int kernel, int stride, boolean channelsLast,
            boolean bf16) {
        Engine.start();
        ScalarType dtype = bf16 ? ScalarType.BFloat16 : ScalarType.Float;
        try (PointerScope scope = new PointerScope()) {
            torch.manual_seed(in * 31L + outChannels * 7L + kernel + stride);
            int pad = kernel / 2;
            int outSize = (size + 2 * pad - kernel) / stride + 1;
            // rounded to the tested precision first, so that the reference sees exactly the same inputs
            Tensor x = torch.relu(torch.randn(n, in, size, size)).to(dtype).to(ScalarType.Double);
            Tensor w = torch.randn(outChannels, in, kernel, kernel).div(new Scalar(Math.sqrt(in * kernel * kernel)))
                    .to(dtype).to(ScalarType.Double);
            Tensor dy = torch.randn(n, outChannels, outSize, outSize).to(dtype).to(ScalarType.Double);
            Tensor[] expected = run(x, w, dy, stride, pad, false);
            Tensor[] actual = run(x.to(dtype), w.to(dtype), dy.to(dtype), stride, pad, channelsLast);
            // bf16 rounds each output once more (relative 2^-9 at most); fp32 only accumulates rounding
            double tolerance = bf16 ? 1e-2 : 1e-5;
            String[] names = {"output", "input gradient", "weight gradient"};
            for (int i = 0; i < 3; i++) {
                double error = actual[i].to(ScalarType.Double).sub(expected[i]).norm().item_double()
                        / expected[i].norm().item_double();
                assertThat(error).as(names[i] + " relative error").isLessThanOrEqualTo(tolerance);
            }
        }
    }

    /** The correction is in force wherever it is needed, so nothing above ran with one-byte caches. */
    @Test
    void oneDnnPlansWithPlausibleCaches() {
        OneDnnCacheSizes.Outcome o = Engine.oneDnnCaches();
        assertThat(o.status()).as(o.detail()).isNotEqualTo(OneDnnCacheSizes.Status.NOT_CORRECTED);
        if (OneDnnCacheSizes.cachesLookUnreported()) {
            assertThat(o.status()).as(o.detail()).isEqualTo(OneDnnCacheSizes.Status.CORRECTED);
        }
    }

    private static Tensor[] run(Tensor x, Tensor w, Tensor dy, int stride, int pad, boolean channelsLast) {
        MemoryFormat format = channelsLast ? MemoryFormat.ChannelsLast : MemoryFormat.Contiguous;
        x = x.contiguous(format).detach().requires_grad_(true);
        w = w.contiguous(format).detach().requires_grad_(true);
        Tensor y = torch.conv2d(x, w, new TensorOptional(), new long[] {stride, stride}, new long[] {pad, pad},
                new long[] {1, 1}, 1);
        y.mul(dy.contiguous(format)).sum().backward();
        return new Tensor[] {y.detach(), x.grad(), w.grad()};
    }
}
