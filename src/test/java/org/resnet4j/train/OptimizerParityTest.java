package org.resnet4j.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.resnet4j.testing.Fixtures.assertClose;

import java.io.IOException;
import java.util.Map;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.resnet4j.engine.Precision;
import org.resnet4j.engine.Tensors;
import org.resnet4j.io.StateDict;
import org.resnet4j.io.Weights;
import org.resnet4j.model.ResNet;
import org.resnet4j.model.ResNets;
import org.resnet4j.testing.Fixtures;

/** Three steps of each optimiser from the same weights on the same batch give PyTorch's losses and weights. */
class OptimizerParityTest {

    @ParameterizedTest
    @ValueSource(strings = {"sgd", "nesterov", "adamw"})
    void stepsMatchPyTorch(String name) throws IOException {
        OptimSettings c = (switch (name) {
            case "sgd" -> TrainConfig.reference().with("--lr", "0.1", "--momentum", "0.9", "--weight-decay", "5e-4");
            case "nesterov" -> TrainConfig.reference().with("--lr", "0.05", "--momentum", "0.9", "--weight-decay",
                    "1e-4", "--nesterov");
            default -> TrainConfig.reference().with("--optimizer", "adamw", "--lr", "1e-2", "--betas", "0.9,0.99",
                    "--eps", "1e-3", "--weight-decay", "0.5", "--label-smoothing", "0.1");
        }).optim();
        try (PointerScope scope = new PointerScope()) {
            Map<String, Tensor> f = Fixtures.tensors("optimizer_steps.safetensors");
            ResNet net = ResNets.create("resnet20");
            Weights.loadInto(net, Fixtures.path("resnet20_trained.safetensors"), true);
            net.train(true);
            TrainStep step = new TrainStep(net, Optimizers.create(net, c), Precision.FP32, c.labelSmoothing(), 0);
            float[] expected = Tensors.toFloats(f.get(name + ".losses"));
            for (int i = 0; i < 3; i++) {
                double loss = step.run(f.get("input"), f.get("labels"), c.lr()).loss();
                assertThat(loss).as("loss of step %d", i + 1).isCloseTo(expected[i], within(2e-4 * Math.abs(expected[i])));
            }
            Map<String, Tensor> sd = StateDict.of(net);
            assertClose(sd.get("conv1.weight"), f.get(name + ".conv1.weight"), 1e-4);
            assertClose(sd.get("fc.weight"), f.get(name + ".fc.weight"), 1e-4);
            assertClose(sd.get("layer3.2.bn2.running_var"), f.get(name + ".layer3.2.bn2.running_var"), 1e-4);
        }
    }
}
