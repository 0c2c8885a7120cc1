package org.resnet4j.analysis;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnet4j.data.DatasetKind;
import org.resnet4j.data.Synthetic;
import org.resnet4j.model.ModelOptions;
import org.resnet4j.train.TrainConfig;
import org.resnet4j.train.TrainListener;
import org.resnet4j.train.Trainer;

class AnalysisTest {
    @TempDir
    Path dir;

    @Test
    void gradientFlowMeasuresEveryBlockInputBeforeAndAfterTraining() throws IOException {
        var data = Synthetic.create(96, 4, 3, 16, 16, 1);
        List<GradientFlow.Measurement> ms = GradientFlow.run(List.of(ModelOptions.of("plain20"),
                ModelOptions.of("resnet20")), data, DatasetKind.SYNTHETIC.normalization(3),
                new GradientFlow.Options(32, List.of(0, 3), 0.05, 1e-4, 2), m -> { });
        assertThat(ms).hasSize(4);
        assertThat(ms.get(0).model()).isEqualTo("plain20");
        assertThat(ms.get(0).step()).isZero();
        assertThat(ms.get(1).step()).isEqualTo(3);
        GradientFlow.Measurement m = ms.get(2);
        assertThat(m.points()).hasSize(10).contains("layer1.0", "layer3.2", "output");
        assertThat(m.points().get(0)).isEqualTo("layer1.0");
        assertThat(m.points().get(9)).isEqualTo("output");
        assertThat(m.inputGradNorms()).hasSize(10);
        assertThat(java.util.Arrays.stream(m.inputGradNorms()).boxed().toList())
                .allSatisfy(v -> assertThat(v).isPositive().isFinite());
        assertThat(m.weightGradNorms()).containsKeys("conv1.weight", "layer3.2.conv2.weight", "fc.weight");
        assertThat(m.firstToLastRatio()).isPositive();
        // the shortcut adds the upstream gradient itself: a residual block's input gradient is never the
        // plain composition's alone, so the two models differ
        assertThat(ms.get(0).inputGradNorms()[0]).isNotEqualTo(ms.get(2).inputGradNorms()[0]);
        List<Path> plots = GradientCharts.save(ms, dir.resolve("plots"));
        assertThat(plots).hasSize(2).allSatisfy(p -> assertThat(p).isNotEmptyFile());
        assertThat(dir.resolve("plots/gradients-step0.svg")).isNotEmptyFile();
    }

    @Test
    void tooLittleDataForOneBatchIsAnErrorNotAHang() {
        var data = Synthetic.create(10, 2, 3, 8, 8, 1);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> GradientFlow.run(List.of(ModelOptions.of("resnet20")),
                data, DatasetKind.SYNTHETIC.normalization(3), new GradientFlow.Options(32, List.of(5), 0.1, 0, 1),
                m -> { })).hasMessageContaining("10 images, fewer than one batch of 32");
    }

    @Test
    void degradationExperimentTrainsEachModelDrawsAndResumesWhenInterrupted() throws IOException {
        TrainConfig recipe = TrainConfig.reference().with("--dataset", "synthetic", "--synthetic-size", "128",
                "--synthetic-classes", "4", "--image-size", "16", "--batch-size", "32", "--epochs", "2", "--lr", "0.05",
                "--seed", "1");
        Path exp = dir.resolve("exp");
        // stop during the second model: the first is complete, the second has a mid-run checkpoint
        Trainer[] current = new Trainer[1];
        DegradationExperiment.Result stopped = DegradationExperiment.run(List.of("plain20", "resnet20"), recipe, exp,
                new TrainListener() {
                    @Override
                    public void stepDone(int epoch, int batch, int batches, double l, double a, double ips) {
                        if (current[0].model().options().name().equals("resnet20") && epoch == 2) {
                            current[0].requestStop();
                        }
                    }
                }, t -> current[0] = t, () -> false);
        assertThat(stopped.complete()).isFalse();
        assertThat(exp.resolve("resnet20/last.ckpt")).exists();
        byte[] plainMetrics = Files.readAllBytes(exp.resolve("plain20/metrics.csv"));

        DegradationExperiment.Result r = DegradationExperiment.run(List.of("plain20", "resnet20"), recipe, exp,
                TrainListener.NONE, t -> { }, () -> false);
        assertThat(r.complete()).isTrue();
        assertThat(Files.readAllBytes(exp.resolve("plain20/metrics.csv"))).isEqualTo(plainMetrics); // not retrained
        assertThat(r.runs().get("resnet20").metrics()).hasSize(2);
        assertThat(r.plot()).isNotEmptyFile();
        assertThat(javax.imageio.ImageIO.read(r.plot().toFile()).getWidth()).isGreaterThan(1000); // two panels
        assertThat(Files.readString(r.table())).contains("| plain20 | 2 |", "| resnet20 | 2 |");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> DegradationExperiment.run(List.of("plain20"),
                recipe.with("--lr", "0.2"), exp, TrainListener.NONE, t -> { }, () -> false))
                .hasMessageContaining("holds a run of another recipe (--lr differ");
        assertThat(DegradationExperiment.run(List.of("plain20"), recipe, exp, TrainListener.NONE, t -> { },
                () -> true).complete()).isFalse(); // a stop before the next model
    }
}
