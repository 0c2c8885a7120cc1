package org.resnet4j.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.SGD;
import org.bytedeco.pytorch.SGDOptions;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnet4j.engine.Engine;
import org.resnet4j.engine.Kernels;
import org.resnet4j.engine.OneDnnCacheSizes;
import org.resnet4j.engine.Precision;
import org.resnet4j.engine.Tensors;
import org.resnet4j.train.TrainStep;

/**
 * Where oneDNN's view of the caches cannot be corrected (here: turned off with
 * {@code -Dresnet4j.correctOneDnnCaches=false}, in a JVM of its own), the engine says so once and routes 1×1
 * convolutions around oneDNN's kernels that would crash: the bottleneck nets still train, and the matrix-product path
 * computes the convolution's values and gradients.
 */
class UncorrectedCachesTest {
    @TempDir
    Path dir;

    @Test
    void bottleneckNetsTrainAroundTheKernelsThatWouldCrash() throws Exception {
        assumeTrue(OneDnnCacheSizes.cachesLookUnreported(), "this processor reports its caches");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Process p = new ProcessBuilder(java, "-D" + Engine.CORRECT_CACHES_PROPERTY + "=false", "-cp", cp,
                UncorrectedCachesTest.class.getName()).redirectOutput(dir.resolve("out.txt").toFile())
                .redirectError(dir.resolve("err.txt").toFile()).start();
        assertThat(p.waitFor(10, TimeUnit.MINUTES)).isTrue();
        String out = Files.readString(dir.resolve("out.txt"));
        String err = Files.readString(dir.resolve("err.txt"));
        assertThat(p.exitValue()).as(out + err).isZero();
        assertThat(err.lines().filter(l -> l.contains("oneDNN")).toList()).singleElement().asString()
                .contains("reports no cache sizes", "1x1 convolutions run as matrix products");
        assertThat(out).contains("trained imagenet_resnet50 fp32", "trained imagenet_resnet50 bf16",
                "trained resnet50 fp32");
    }

    /** Run by the test above in a JVM started with the correction turned off. */
    public static void main(String[] args) {
        Engine.start();
        check(!Kernels.oneDnnPlansSafely() && Kernels.pointwiseAsMatrixProduct(), "the fallback is not in force");
        try (PointerScope scope = new PointerScope()) {
            // in, out, size, stride: the projections and 1x1 layers of the bottleneck nets, bias from BN folding
            for (int[] g : List.of(new int[] {256, 512, 8, 2}, new int[] {1024, 2048, 8, 2}, new int[] {512, 1024, 8, 2},
                    new int[] {1024, 256, 8, 1}, new int[] {64, 256, 8, 1})) {
                for (boolean bias : new boolean[] {false, true}) {
                    pointwiseMatchesFloat64(g[0], g[1], g[2], g[3], bias);
                }
            }
            for (String name : List.of("imagenet_resnet50", "resnet50")) {
                for (boolean bf16 : new boolean[] {false, true}) {
                    trainStep(name, bf16);
                }
            }
        }
    }

    private static void pointwiseMatchesFloat64(int in, int out, int size, int stride, boolean bias) {
        Module owner = new Module();
        Conv conv = Conv.register(owner, "conv", Layers.conv1x1(in, out, stride));
        if (bias) {
            conv.impl().bias(torch.randn(out));
        }
        Tensor x = torch.relu(torch.randn(2, in, size, size)).requires_grad_(true);
        Tensor y = conv.forward(x);
        Tensor dy = torch.randn(Tensors.shape(y));
        y.mul(dy).sum().backward();
        Tensor xd = x.detach().to(ScalarType.Double).requires_grad_(true);
        Tensor wd = conv.impl().weight().detach().to(ScalarType.Double).requires_grad_(true);
        Tensor bd = bias ? conv.impl().bias().detach().to(ScalarType.Double) : null;
        Tensor yd = torch.conv2d(xd, wd, bias ? new TensorOptional(bd) : new TensorOptional(),
                new long[] {stride, stride}, new long[] {0, 0}, new long[] {1, 1}, 1);
        yd.mul(dy.to(ScalarType.Double)).sum().backward();
        String what = in + "->" + out + " stride " + stride + (bias ? " with bias" : "");
        check(relativeError(y, yd) < 1e-5, what + ": output");
        check(relativeError(x.grad(), xd.grad()) < 1e-5, what + ": input gradient");
        check(relativeError(conv.impl().weight().grad(), wd.grad()) < 1e-5, what + ": weight gradient");
    }

    private static void trainStep(String name, boolean bf16) {
        Engine.seed(1);
        ResNet net = ResNets.create(name);
        net.train(true);
        SGD sgd = new SGD(net.parameters(), new SGDOptions(0.01));
        double loss = new TrainStep(net, sgd, bf16 ? Precision.BF16 : Precision.FP32, 0, 0).run(torch.randn(2, 3, 32, 32),
                Tensors.fromLongs(new long[] {0, 1}, 2), 0.01).loss();
        check(Double.isFinite(loss), name + ": loss " + loss);
        System.out.println("trained " + name + (bf16 ? " bf16" : " fp32"));
    }

    private static double relativeError(Tensor actual, Tensor expected) {
        return actual.detach().to(ScalarType.Double).sub(expected.detach()).norm().item_double()
                / expected.detach().norm().item_double();
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            System.out.println("FAILED: " + what);
            System.exit(1);
        }
    }
}
