package org.resnet4j.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.util.SplittableRandom;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.resnet4j.engine.Tensors;
import org.resnet4j.testing.PythonVenv;

/** Mixup and CutMix against timm's own Mixup (mode 'batch'), with the random draws given to both. */
class MixupTest {
    private static final int N = 4;
    private static final int C = 2;
    private static final int H = 5;
    private static final int W = 6;
    private static final int CLASSES = 3;

    private static Tensor batch() {
        float[] x = new float[N * C * H * W];
        for (int i = 0; i < x.length; i++) {
            x[i] = i / 1000f;
        }
        return Tensors.fromFloats(x, N, C, H, W);
    }

    private static Tensor labels() {
        long[] y = new long[N];
        for (int i = 0; i < N; i++) {
            y[i] = i % CLASSES;
        }
        return Tensors.fromLongs(y, N);
    }

    @Test
    void mixesAsTimmForTheSameDraws() throws IOException {
        assumeTrue(PythonVenv.has("torch", "numpy"), PythonVenv.missing("PyTorch", "NumPy"));
        // mixup alpha, cutmix alpha, switch prob, u(prob), u(switch), lambda drawn, box centre
        double[][] cases = {
            {0.2, 1.0, 0.5, 0.1, 0.7, 0.6, 1, 2}, // both on, mixup chosen
            {0.2, 1.0, 0.5, 0.1, 0.3, 0.6, 1, 2}, // both on, cutmix chosen
            {0, 1.0, 0.5, 0.2, 0.9, 0.3, 0, 5}, // cutmix only, the box clipped at a corner (lambda corrected)
            {0.8, 0, 0.5, 0.2, 0.9, 0.35, 0, 0}, // mixup only
            {0.8, 0, 0.5, 0.6, 0.9, 0.35, 0, 0}, // not mixed (u >= prob)
        };
        ObjectMapper json = new ObjectMapper();
        for (double smoothing : new double[] {0, 0.1}) {
            for (double[] k : cases) {
                Mixup m = new Mixup(k[0], k[1], 0.5, k[2], smoothing, CLASSES, 0);
                double[] switchDraw = {k[4]};
                Mixup.Params p = m.decide(k[3], () -> switchDraw[0], alpha -> k[5]);
                Mixup.Mixed mixed = m.mix(batch(), labels(), p, (int) k[6], (int) k[7]);
                JsonNode want = json.readTree(PythonVenv.run("tools/timm_mixup_reference.py", "" + N, "" + C, "" + H,
                        "" + W, "" + CLASSES, "" + smoothing, "" + k[0], "" + k[1], "" + k[2], "" + k[3], "" + k[4],
                        "" + k[5], "" + (int) k[6], "" + (int) k[7]));
                String name = java.util.Arrays.toString(k) + " smoothing " + smoothing;
                assertThat(mixed.lam()).as(name).isEqualTo(want.get("lam").asDouble());
                float[] images = Tensors.toFloats(mixed.images());
                float[] targets = Tensors.toFloats(mixed.targets());
                for (int i = 0; i < images.length; i++) {
                    assertThat(images[i]).as(name + " image value " + i)
                            .isEqualTo((float) want.get("images").get(i).asDouble());
                }
                for (int i = 0; i < targets.length; i++) {
                    assertThat((double) targets[i]).as(name + " target " + i)
                            .isCloseTo(want.get("targets").get(i).asDouble(), within(1e-7));
                }
            }
        }
    }

    @Test
    void targetsSumToOneAndTheLoaderBatchIsLeftAlone() {
        Mixup m = new Mixup(0.2, 1.0, 1.0, 0.5, 0.1, CLASSES, 42);
        for (long step = 0; step < 40; step++) {
            Tensor x = batch();
            Mixup.Mixed mixed = m.apply(x, labels(), step);
            assertThat(torch.equal(x, batch())).isTrue();
            float[] sums = Tensors.toFloats(mixed.targets().sum(1));
            for (float s : sums) {
                assertThat((double) s).isCloseTo(1.0, within(1e-6));
            }
            assertThat(mixed.lam()).isBetween(0.0, 1.0);
        }
        // a resumed run mixes its batches as the uninterrupted run did: the draw depends on the seed and step alone
        assertThat(Tensors.toFloats(m.apply(batch(), labels(), 7).images()))
                .isEqualTo(Tensors.toFloats(m.apply(batch(), labels(), 7).images()));
    }

    @Test
    void betaDrawsHaveTheirDistributionsMoments() {
        SplittableRandom rng = new SplittableRandom(5);
        for (double a : new double[] {0.2, 1.0, 2.5}) {
            int n = 200_000;
            double sum = 0;
            double sq = 0;
            for (int i = 0; i < n; i++) {
                double b = Mixup.beta(a, a, rng);
                assertThat(b).isBetween(0.0, 1.0);
                sum += b;
                sq += b * b;
            }
            double mean = sum / n;
            double var = sq / n - mean * mean;
            assertThat(mean).as("mean, alpha " + a).isCloseTo(0.5, within(0.005));
            assertThat(var).as("variance, alpha " + a).isCloseTo(1 / (4 * (2 * a + 1)), within(0.003));
        }
    }

    @Test
    void badSettingsAreRefused() {
        assertThatThrownBy(() -> TrainerTest.tiny("--mixup", "-1")).hasMessageContaining("alpha >= 0");
        assertThatThrownBy(() -> TrainerTest.tiny("--mixup-prob", "2")).hasMessageContaining("[0, 1]");
        assertThatThrownBy(() -> new Mixup(0, 0, 1, 0.5, 0, 3, 0)).hasMessageContaining("--mixup or --cutmix");
    }
}
