package org.resnet4j.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.SGD;
import org.bytedeco.pytorch.SGDOptions;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.resnet4j.testing.Fixtures;

/**
 * {@link LossScaler} against PyTorch 2.13's {@code torch.amp.GradScaler} on the same sequences of finite and
 * non-finite gradient steps (tools/grad_scaler_fixture.py): the same unscaled gradients, skipped steps, scales,
 * growth trackers and weights, bit for bit.
 */
class LossScalerParityTest {
    private static JsonNode fixture;

    @BeforeAll
    static void load() throws IOException {
        Engine.start();
        fixture = new ObjectMapper().readTree(Files.readString(Fixtures.path("grad_scaler.json")));
    }

    @Test
    void everySequenceMatchesPyTorch() {
        assertThat(fixture.get("sequences")).hasSize(4);
        for (JsonNode seq : fixture.get("sequences")) {
            replay(seq);
        }
    }

    private static void replay(JsonNode seq) {
        String name = seq.get("name").asText();
        LossScaler scaler = new LossScaler(seq.get("init_scale").asDouble(), seq.get("growth_factor").asDouble(),
                seq.get("backoff_factor").asDouble(), seq.get("growth_interval").asInt());
        Tensor w = Tensors.fromFloats(new float[] {1.0f, -2.0f, 0.5f, 3.0f}, 4).requires_grad_(true);
        Tensor v = Tensors.fromFloats(new float[] {0.25f, 4.0f, -1.5f}, 3).requires_grad_(true);
        TensorVector params = new TensorVector(w, v);
        SGD sgd = new SGD(params, new SGDOptions(0.1));
        int i = 0;
        for (JsonNode r : seq.get("records")) {
            String at = name + " step " + i++;
            try (PointerScope scope = new PointerScope()) {
                sgd.zero_grad(true);
                Tensor a = Tensors.fromFloats(floats(r.get("a")), 4);
                Tensor b = Tensors.fromFloats(floats(r.get("b")), 3);
                Tensor loss = w.mul(a).sum().add(v.mul(b).sum());
                scaler.scale(loss).backward();
                boolean found = scaler.unscale(params);
                assertThat(Tensors.toFloats(w.grad())).as(at + " grad w").containsExactly(floats(r.get("grad_w")));
                assertThat(Tensors.toFloats(v.grad())).as(at + " grad v").containsExactly(floats(r.get("grad_v")));
                boolean stepped = scaler.step(sgd, params);
                assertThat(found).as(at + " found inf").isEqualTo(r.get("skipped").asBoolean());
                assertThat(stepped).as(at + " stepped").isEqualTo(!r.get("skipped").asBoolean());
                scaler.update();
                assertThat(scaler.scale()).as(at + " scale").isEqualTo((float) r.get("scale").asDouble());
                assertThat(scaler.growthTracker()).as(at + " growth tracker")
                        .isEqualTo(r.get("growth_tracker").asInt());
                assertThat(Tensors.toFloats(w)).as(at + " w").containsExactly(floats(r.get("w")));
                assertThat(Tensors.toFloats(v)).as(at + " v").containsExactly(floats(r.get("v")));
            }
        }
    }

    @Test
    void defaultsArePyTorchs() {
        LossScaler s = new LossScaler();
        assertThat(s.scale()).isEqualTo(65536f);
        assertThat(LossScaler.GROWTH_FACTOR).isEqualTo(2.0);
        assertThat(LossScaler.BACKOFF_FACTOR).isEqualTo(0.5);
        assertThat(LossScaler.GROWTH_INTERVAL).isEqualTo(2000);
    }

    @Test
    void misuseIsRefused() {
        LossScaler s = new LossScaler();
        assertThatThrownBy(s::update).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> new LossScaler(65536, 1.0, 0.5, 2000)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new LossScaler(65536, 2.0, 1.0, 2000)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new LossScaler(65536, 2.0, 0.5, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> s.restore(Float.POSITIVE_INFINITY, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> s.restore(1024f, 2000)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("not a loss scaler state: scale 1024.0, growth tracker 2000");
        assertThat(new LossScaler.State(-2f, 0).isValidFor(2000)).isFalse();
        assertThat(new LossScaler.State(1024f, -1).isValidFor(2000)).isFalse();
        assertThat(new LossScaler.State(1024f, 1999).isValidFor(2000)).isTrue();
        s.restore(1024f, 7);
        assertThat(s.scale()).isEqualTo(1024f);
        assertThat(s.growthTracker()).isEqualTo(7);
        assertThat(s.state()).isEqualTo(new LossScaler.State(1024f, 7));
    }

    private static float[] floats(JsonNode array) {
        float[] out = new float[array.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode x = array.get(i);
            out[i] = switch (x.asText()) {
                case "inf" -> Float.POSITIVE_INFINITY;
                case "-inf" -> Float.NEGATIVE_INFINITY;
                case "nan" -> Float.NaN;
                default -> (float) x.asDouble();
            };
        }
        return out;
    }
}
