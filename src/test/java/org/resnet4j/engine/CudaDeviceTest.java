package org.resnet4j.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Optimizer;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnet4j.data.Batch;
import org.resnet4j.data.BatchBuilder;
import org.resnet4j.data.Dataset;
import org.resnet4j.data.Normalization;
import org.resnet4j.data.Synthetic;
import org.resnet4j.eval.EvalResult;
import org.resnet4j.eval.Evaluator;
import org.resnet4j.io.StateDict;
import org.resnet4j.model.ModelOptions;
import org.resnet4j.model.ResNet;
import org.resnet4j.model.ResNets;
import org.resnet4j.testing.Cli;
import org.resnet4j.testing.Fixtures;
import org.resnet4j.train.Checkpoint;
import org.resnet4j.train.Optimizers;
import org.resnet4j.train.TrainStep;

/**
 * The CUDA path on a CUDA device: the same results as on the CPU, training in fp32, bf16 and fp16 (loss scaling), and
 * state read back to the host. Skipped, saying why, where libtorch sees no CUDA device; bench/gpu_check.sh runs it.
 */
@Tag("cuda")
class CudaDeviceTest {
    private static final ComputeDevice CUDA = ComputeDevice.cuda(0);

    @BeforeEach
    void needsCuda() {
        Engine.start();
        Assumptions.assumeTrue(Devices.cudaDeviceCount() > 0, () -> "no CUDA device: "
                + Devices.describe().get("cuda") + "; bench/gpu_check.sh runs these tests on a GPU machine");
    }

    @Test
    void tensorsGoThereAndBackUnchanged() {
        Tensor host = Tensors.fromFloats(new float[] {1.5f, -2f, 3.25f, Float.MIN_VALUE}, 2, 2);
        Tensor there = CUDA.put(host);
        assertThat(there.is_cuda()).isTrue();
        assertThat(CUDA.put(there).address()).isEqualTo(there.address());
        assertThat(Tensors.toFloats(there)).containsExactly(Tensors.toFloats(host));
        assertThat(Devices.describe().get("devices").toString()).contains("cuda:0");
        assertThat(Devices.resolve(DeviceChoice.AUTO, n -> { })).isEqualTo(CUDA);
    }

    @Test
    void aModelOnCudaGivesTheCpuLogitsAndItsStateReadsBack() {
        Engine.seed(1);
        ResNet cpu = ResNets.create(ModelOptions.of("resnet20"));
        ResNet gpu = ResNets.create(ModelOptions.of("resnet20"));
        StateDict.load(gpu, StateDict.of(cpu), true);
        CUDA.move(gpu);
        assertThat(ComputeDevice.of(gpu)).isEqualTo(CUDA);
        cpu.eval();
        gpu.eval();
        Dataset data = Synthetic.create(64, 10, 3, 32, 32, 5);
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            Batch b = new BatchBuilder(data, Normalization.CIFAR10).build(indices(16), 0, 16);
            Fixtures.assertClose(ComputeDevice.toHost(gpu.forward(CUDA.put(b.images()))), cpu.forward(b.images()),
                    1e-4);
        }
        Map<String, Tensor> state = StateDict.of(gpu);
        StateDict.of(cpu).forEach((k, v) -> assertThat(Tensors.crc32c(state.get(k))).as(k).isEqualTo(
                Tensors.crc32c(v)));
        EvalResult onCpu = new Evaluator(32).evaluate(cpu, data, Normalization.CIFAR10);
        EvalResult onGpu = new Evaluator(32).evaluate(gpu, data, Normalization.CIFAR10);
        assertThat(onGpu.loss()).isCloseTo(onCpu.loss(), org.assertj.core.data.Percentage.withPercentage(0.01));
    }

    @Test
    void trainingStepsRunInEveryPrecision() {
        Dataset data = Synthetic.create(64, 10, 3, 32, 32, 6);
        for (Precision p : List.of(Precision.FP32, Precision.BF16, Precision.FP16)) {
            Engine.seed(2);
            ResNet net = ResNets.create(ModelOptions.of("resnet20"));
            CUDA.move(net);
            if (Layout.AUTO.channelsLastOn(CUDA, net.architecture(), p, true)) {
                net.toChannelsLast();
            }
            Optimizer sgd = Optimizers.sgd(net, 0.05, 0.9, 5e-4);
            TrainStep step = new TrainStep(net, sgd, p, 0, 0);
            net.train(true);
            int before = Tensors.crc32c(StateDict.of(net).get("fc.weight"));
            for (int i = 0; i < 4; i++) {
                try (PointerScope scope = new PointerScope()) {
                    Batch b = new BatchBuilder(data, Normalization.CIFAR10).build(indices(16), 0, 16);
                    TrainStep.Outcome o = step.run(b.images(), b.labels(), 0.05);
                    assertThat(o.loss()).as(p + " loss").isFinite();
                    assertThat(o.nonFinite()).isNull();
                }
            }
            assertThat(Tensors.crc32c(StateDict.of(net).get("fc.weight"))).as(p + " updated").isNotEqualTo(before);
        }
    }

    @Test
    void anFp16StepsLossScalerStateIsReadAndPutBack() {
        Engine.seed(3);
        ResNet net = ResNets.create(ModelOptions.of("resnet20"));
        CUDA.move(net);
        Optimizer sgd = Optimizers.sgd(net, 0.05, 0.9, 5e-4);
        TrainStep step = new TrainStep(net, sgd, Precision.FP16, 0, 0);
        assertThat(step.lossScalerState()).isEqualTo(new LossScaler.State(65536f, 0));
        net.train(true);
        Dataset data = Synthetic.create(16, 10, 3, 32, 32, 7);
        try (PointerScope scope = new PointerScope()) {
            Batch b = new BatchBuilder(data, Normalization.CIFAR10).build(indices(16), 0, 16);
            step.run(b.images(), b.labels(), 0.05);
        }
        LossScaler.State after = step.lossScalerState();
        assertThat(after).isNotEqualTo(new LossScaler.State(65536f, 0)); // one step: counted, or backed off
        TrainStep resumed = new TrainStep(net, sgd, Precision.FP16, 0, 0);
        resumed.restoreLossScaler(after);
        assertThat(resumed.lossScalerState()).isEqualTo(after);
        assertThat(new TrainStep(net, sgd, Precision.BF16, 0, 0).lossScalerState()).isNull();
    }

    /** The trainer saves the scaler's state and a resumed run goes on from it: resumed equals uninterrupted. */
    @Test
    void aResumedFp16RunGoesOnAtItsScale(@TempDir Path dir) throws IOException {
        String[] tiny = {"train", "--dataset", "synthetic", "--synthetic-size", "64", "--synthetic-classes", "4",
            "--image-size", "16", "--model", "resnet20", "--batch-size", "8", "--seed", "5", "--device", "cuda",
            "--precision", "fp16"};
        Path whole = dir.resolve("whole");
        Path part = dir.resolve("part");
        for (Cli.Result r : List.of(Cli.run(with(tiny, "--epochs", "2", "--out", whole.toString())),
                Cli.run(with(tiny, "--epochs", "1", "--out", part.toString())),
                Cli.run("train", "--resume", part.toString(), "--epochs", "2"))) {
            assertThat(r.exit()).as(r.err()).isZero();
        }
        LossScaler.State uninterrupted = Checkpoint.read(whole.resolve("last.ckpt")).state().lossScaler;
        assertThat(uninterrupted.growthTracker()).as("steps since the scale last changed").isPositive();
        assertThat(Checkpoint.read(part.resolve("last.ckpt")).state().lossScaler).isEqualTo(uninterrupted);
    }

    private static String[] with(String[] args, String... more) {
        return java.util.stream.Stream.concat(java.util.Arrays.stream(args), java.util.Arrays.stream(more))
                .toArray(String[]::new);
    }

    private static int[] indices(int n) {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = i;
        }
        return out;
    }
}
