package org.resnet4j.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;
import org.resnet4j.data.DatasetKind;
import org.resnet4j.data.Preprocessing;
import org.resnet4j.data.Synthetic;
import org.resnet4j.engine.Engine;
import org.resnet4j.model.ModelOptions;
import org.resnet4j.model.ResNet;
import org.resnet4j.model.ResNets;

class PredictorTest {

    private static List<BufferedImage> images(int n) {
        List<BufferedImage> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            BufferedImage img = new BufferedImage(20 + i, 30 - i, i % 2 == 0 ? BufferedImage.TYPE_INT_RGB
                    : BufferedImage.TYPE_INT_ARGB);
            for (int y = 0; y < img.getHeight(); y++) {
                for (int x = 0; x < img.getWidth(); x++) {
                    img.setRGB(x, y, 0xff000000 | (x * 37 + i * 11) << 16 | (y * 53) << 8 | (x * y + i) & 0xff);
                }
            }
            out.add(img);
        }
        return out;
    }

    private static Predictor predictor() {
        Engine.seed(9);
        ResNet net = ResNets.create(ModelOptions.of("resnet20").withClasses(4));
        return new Predictor(net, List.of("a", "b", "c", "d"), Preprocessing.defaults(DatasetKind.FOLDER, 3, 16), true);
    }

    @Test
    void predictionsAreProbabilitiesOfTheNamedClassesMostLikelyFirst() {
        Predictor p = predictor();
        List<Predictor.Prediction> ps = p.predict(images(3), 3);
        assertThat(ps).hasSize(3);
        for (Predictor.Prediction pr : ps) {
            assertThat(pr.top()).hasSize(3);
            assertThat(pr.top().get(0).probability()).isGreaterThanOrEqualTo(pr.top().get(1).probability());
            assertThat(pr.top()).allSatisfy(s -> assertThat(s.name()).isIn("a", "b", "c", "d"));
        }
        double total = p.predict(images(1).get(0), 4).top().stream().mapToDouble(Predictor.Scored::probability).sum();
        assertThat(total).isCloseTo(1.0, within(1e-5));
        assertThat(p.features(images(2))).hasDimensions(2, 64);
    }

    /** Concurrent callers on one instance get exactly what one caller gets, one image at a time. */
    @Test
    void concurrentPredictionsEqualSequentialOnes() throws Exception {
        Predictor p = predictor();
        List<BufferedImage> imgs = images(12);
        List<Predictor.Prediction> sequential = new ArrayList<>();
        for (BufferedImage img : imgs) {
            sequential.add(p.predict(img, 4));
        }
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            for (int round = 0; round < 3; round++) {
                List<Future<Predictor.Prediction>> futures = new ArrayList<>();
                for (BufferedImage img : imgs) {
                    futures.add(pool.submit(() -> p.predict(img, 4)));
                }
                for (int i = 0; i < imgs.size(); i++) {
                    Predictor.Prediction got = futures.get(i).get();
                    for (int j = 0; j < 4; j++) {
                        assertThat(got.top().get(j).index()).isEqualTo(sequential.get(i).top().get(j).index());
                        assertThat(got.top().get(j).probability())
                                .isCloseTo(sequential.get(i).top().get(j).probability(), within(1e-6));
                    }
                }
            }
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void evaluationReportsPerClassFiguresAndTheConfusionMatrix() {
        Engine.seed(1);
        ResNet net = ResNets.create(ModelOptions.of("resnet20").withClasses(3));
        var data = Synthetic.create(40, 3, 3, 8, 8, 2);
        var norm = DatasetKind.SYNTHETIC.normalization(3);
        EvalResult r = new Evaluator(16, 2).evaluate(net, data, norm);
        long total = 0;
        long diagonal = 0;
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                total += r.confusion()[i][j];
            }
            diagonal += r.confusion()[i][i];
        }
        assertThat(total).isEqualTo(40);
        assertThat(r.top1()).isEqualTo(diagonal / 40.0);
        assertThat(r.top5()).isEqualTo(1.0); // three classes: every label is in the top 3
        assertThat(r.perClass()).hasSize(3);
        assertThat(r.perClass().stream().mapToLong(EvalResult.ClassMetrics::support).sum()).isEqualTo(40);
        EvalResult tta = new Evaluator(16, 1, true, org.resnet4j.engine.Precision.FP32).evaluate(net, data, norm);
        assertThat(tta.flipTta()).isTrue();
        assertThat(tta.loss()).isNotEqualTo(r.loss());
    }

    @Test
    void perClassMetricsFollowFromTheConfusionMatrix() {
        long[][] m = {{8, 2}, {1, 9}};
        EvalResult r = new EvalResult(0, 0.85, 1, 20, m, List.of("x", "y"), false);
        EvalResult.ClassMetrics x = r.perClass().get(0);
        assertThat(x.support()).isEqualTo(10);
        assertThat(x.precision()).isCloseTo(8.0 / 9, within(1e-12));
        assertThat(x.recall()).isCloseTo(0.8, within(1e-12));
        assertThat(x.f1()).isCloseTo(2 * (8.0 / 9) * 0.8 / (8.0 / 9 + 0.8), within(1e-12));
        assertThat(x.accuracy()).isCloseTo(17.0 / 20, within(1e-12));
    }
}
