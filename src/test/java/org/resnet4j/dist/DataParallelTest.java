package org.resnet4j.dist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.resnet4j.engine.Engine;
import org.resnet4j.io.SafeTensors;
import org.resnet4j.io.StateDict;
import org.resnet4j.model.ResNets;
import org.resnet4j.testing.ChildJvm;
import org.resnet4j.testing.PythonVenv;

/**
 * Data-parallel steps in two processes on loopback (c10d's TCPStore and Gloo, DDP's Reducer), against one process on
 * the whole batch and against PyTorch's own DistributedDataParallel.
 */
class DataParallelTest {
    @TempDir
    Path dir;

    /**
     * BatchNorm in eval mode: its statistics do not depend on how the batch is split, so the averaged gradient is the
     * whole batch's, and only float summation order separates the two. With {@code accumulate} 2 each rank also
     * accumulates two micro-batches of its half without exchanging gradients (no_sync) and exchanges the sum on the
     * second.
     */
    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void twoProcessesOnHalfBatchesStepLikeOneOnTheWholeBatch(int accumulate) throws Exception {
        Path inputs = inputs(2, 128);
        Path one = dir.resolve("one.safetensors");
        Path two = dir.resolve("two.safetensors");
        ChildJvm single = ChildJvm.start(dir, "single", Map.of(), worker(inputs, one, 2, "eval", 0.1, 1));
        assertThat(single.await(5)).as(single.err()).isZero();
        runTwo(worker(inputs, two, 2, "eval", 0.1, accumulate));
        Map<String, Tensor> a = SafeTensors.read(one).tensors();
        Map<String, Tensor> b = SafeTensors.read(two).tensors();
        assertThat(b.keySet()).isEqualTo(a.keySet());
        assertThat(relativeDifference(a, b)).isLessThan(1e-5);
        assertThat(maxChange(inputs, b)).as("the steps changed the weights").isGreaterThan(1e-3);
    }

    /**
     * {@code --unfreeze-at} under DDP: the Reducer built over the classifier alone is rebuilt when the backbone is
     * released, so the backbone's gradients are averaged too. Without the rebuild each rank would step on its own
     * half's gradient and drift from the whole batch's.
     */
    @Test
    void aBackboneReleasedMidRunIsAveragedLikeTheRest() throws Exception {
        Path inputs = inputs(3, 128);
        Path one = dir.resolve("one.safetensors");
        Path two = dir.resolve("two.safetensors");
        ChildJvm single = ChildJvm.start(dir, "single", Map.of(), worker(inputs, one, 3, "eval", 0.01, 1, "unfreeze"));
        assertThat(single.await(5)).as(single.err()).isZero();
        runTwo(worker(inputs, two, 3, "eval", 0.01, 1, "unfreeze"));
        Map<String, Tensor> a = SafeTensors.read(one).tensors();
        Map<String, Tensor> b = SafeTensors.read(two).tensors();
        assertThat(relativeDifference(a, b)).isLessThan(1e-5);
        Tensor before = SafeTensors.read(inputs).tensors().get("model.layer1.0.conv1.weight");
        assertThat(b.get("layer1.0.conv1.weight").sub(before).abs().max().item_double())
                .as("the released backbone trained").isGreaterThan(1e-4);
    }

    @Test
    void matchesPyTorchDistributedDataParallel() throws Exception {
        assumeTrue(PythonVenv.has("torch", "safetensors"), PythonVenv.missing("PyTorch", "safetensors"));
        Path torchrun = PythonVenv.python().resolveSibling("torchrun");
        assumeTrue(Files.isExecutable(torchrun), "needs torchrun beside " + PythonVenv.python());
        // BatchNorm in train mode: each rank normalises by its own half's statistics and rank 0's running
        // statistics are broadcast before every forward pass, on both sides. At learning rate 0.01: at 0.1 three
        // steps on random labels are chaotic enough that float rounding alone grows past 1e-5 (one step: 1e-8)
        Path inputs = inputs(3, 64);
        Path ours = dir.resolve("resnet4j.safetensors");
        Path theirs = dir.resolve("pytorch.safetensors");
        runTwo(worker(inputs, ours, 3, "train", 0.01, 1));
        ChildJvm torch = ChildJvm.start(dir, "torchrun", Map.of("OMP_NUM_THREADS", "1"), List.of(torchrun.toString(),
                "--nproc-per-node", "2", "--master-port", String.valueOf(ChildJvm.freePort()), "tools/ddp_reference.py",
                inputs.toString(), theirs.toString(), "3", "train", "0.01"));
        assertThat(torch.await(5)).as(torch.err()).isZero();
        Map<String, Tensor> a = SafeTensors.read(ours).tensors();
        Map<String, Tensor> b = SafeTensors.read(theirs).tensors();
        assertThat(a.keySet()).isEqualTo(b.keySet());
        assertThat(relativeDifference(b, a)).isLessThan(1e-5);
        assertThat(maxChange(inputs, a)).as("the steps changed the weights").isGreaterThan(1e-3);
    }

    private void runTwo(List<String> command) throws Exception {
        int port = ChildJvm.freePort();
        List<ChildJvm> ranks = new ArrayList<>();
        for (int r = 0; r < 2; r++) {
            ranks.add(ChildJvm.start(dir, "rank" + r, Map.of("RANK", "" + r, "WORLD_SIZE", "2", "LOCAL_RANK", "" + r,
                    "LOCAL_WORLD_SIZE", "2", "MASTER_ADDR", "127.0.0.1", "MASTER_PORT", "" + port), command));
        }
        for (ChildJvm r : ranks) {
            assertThat(r.await(5)).as(r.err()).isZero();
        }
    }

    private static List<String> worker(Path inputs, Path out, int steps, String mode, double lr, int accumulate,
            String... more) {
        List<String> args = new ArrayList<>(List.of(inputs.toString(), out.toString(), String.valueOf(steps), mode,
                String.valueOf(lr), String.valueOf(accumulate)));
        args.addAll(List.of(more));
        return ChildJvm.command(DdpStepWorker.class.getName(), args);
    }

    /** resnet20's initial weights and {@code steps} batches of {@code n} random images and labels. */
    private Path inputs(int steps, int n) throws Exception {
        Engine.start();
        Path p = dir.resolve("inputs.safetensors");
        try (PointerScope scope = new PointerScope()) {
            torch.manual_seed(3);
            Map<String, Tensor> t = new LinkedHashMap<>();
            StateDict.of(ResNets.create("resnet20")).forEach((k, v) -> t.put("model." + k, v));
            for (int k = 0; k < steps; k++) {
                t.put("x" + k, torch.randn(n, 3, 32, 32));
                t.put("y" + k, torch.randint(0, 10, new long[] {n}));
            }
            SafeTensors.write(p, t, Map.of());
        }
        return p;
    }

    /**
     * ||b - reference|| / ||reference|| over every parameter and statistic together, in float64 (per tensor it would
     * measure the biases, which start at zero, against their own tiny size); the batch counters must be equal.
     */
    private static double relativeDifference(Map<String, Tensor> reference, Map<String, Tensor> b) {
        double diff = 0;
        double norm = 0;
        for (var e : reference.entrySet()) {
            Tensor x = e.getValue().to(torch.ScalarType.Double);
            Tensor y = b.get(e.getKey()).to(torch.ScalarType.Double);
            if (e.getKey().endsWith("num_batches_tracked")) {
                assertThat(y.item_double()).as(e.getKey()).isEqualTo(x.item_double());
                continue;
            }
            diff += x.sub(y).pow(new org.bytedeco.pytorch.Scalar(2)).sum().item_double();
            norm += x.pow(new org.bytedeco.pytorch.Scalar(2)).sum().item_double();
        }
        return Math.sqrt(diff / norm);
    }

    private static double maxChange(Path inputs, Map<String, Tensor> after) throws Exception {
        Map<String, Tensor> before = SafeTensors.read(inputs).tensors();
        double max = 0;
        for (var e : after.entrySet()) {
            if (e.getKey().endsWith("weight")) {
                Tensor w0 = before.get("model." + e.getKey()).to(torch.ScalarType.Double);
                max = Math.max(max, w0.sub(e.getValue().to(torch.ScalarType.Double)).abs().max().item_double());
            }
        }
        return max;
    }
}
