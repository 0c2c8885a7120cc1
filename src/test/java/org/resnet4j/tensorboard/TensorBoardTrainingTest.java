package org.resnet4j.tensorboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnet4j.testing.PythonVenv;
import org.resnet4j.train.TrainConfig;
import org.resnet4j.train.TrainListener;
import org.resnet4j.train.TrainResult;
import org.resnet4j.train.TrainSetup;

/** A tiny training run's event file, read back by TensorBoard's own EventAccumulator. */
class TensorBoardTrainingTest {
    @TempDir
    Path dir;

    private static TrainConfig tiny(String... more) {
        return TrainConfig.reference().with("--model", "resnet20", "--dataset", "synthetic", "--synthetic-size", "128",
                "--synthetic-classes", "3", "--image-size", "16", "--batch-size", "32", "--eval-batch-size", "64",
                "--epochs", "2", "--lr", "0.05", "--seed", "5", "--threads", "2").with(more);
    }

    private static List<Path> eventFiles(Path run) throws IOException {
        try (Stream<Path> s = Files.list(run)) {
            return s.filter(p -> p.getFileName().toString().startsWith("events.out.tfevents.")).toList();
        }
    }

    @Test
    void tensorBoardReadsBackTheScalarsOfMetricsCsvTheConfusionImageAndTheHparams() throws IOException {
        assumeTrue(PythonVenv.has("tensorboard", "PIL"), PythonVenv.missing("tensorboard", "PIL"));
        Path run = dir.resolve("run");
        TrainResult r = TrainSetup.start(tiny(), run, TrainListener.NONE).run();
        assertThat(r.status()).isEqualTo(TrainResult.Status.COMPLETED);
        assertThat(eventFiles(run)).hasSize(1);

        JsonNode tb = new ObjectMapper().readTree(PythonVenv.run("tools/read_tensorboard.py", run.toString()));
        List<String> lines = Files.readAllLines(run.resolve("metrics.csv"));
        List<String> header = List.of(lines.get(0).split(","));
        Map<String, String> tagOf = Map.of("train_loss", "train/loss", "train_acc", "train/acc", "test_loss",
                "test/loss", "test_acc", "test/acc", "lr", "lr", "images_per_second", "images_per_second");
        assertThat(lines).hasSize(3);
        for (int row = 1; row < lines.size(); row++) {
            String[] cells = lines.get(row).split(",");
            int epoch = Integer.parseInt(cells[0]);
            for (Map.Entry<String, String> e : tagOf.entrySet()) {
                double csv = Double.parseDouble(cells[header.indexOf(e.getKey())]);
                JsonNode point = tb.path("scalars").path(e.getValue()).get(row - 1);
                assertThat(point.get(0).asInt()).as(e.getValue() + " step").isEqualTo(epoch);
                float value = (float) point.get(1).asDouble();
                // TensorBoard keeps float32, metrics.csv six decimals (images/s one): equal to both precisions
                double csvPrecision = e.getKey().equals("images_per_second") ? 0.05 : 5e-7;
                assertThat((double) value).as(e.getValue() + " epoch " + epoch)
                        .isCloseTo(csv, org.assertj.core.data.Offset.offset(csvPrecision + Math.ulp(value)));
            }
        }
        assertThat(tb.path("scalars").path("train/step_loss").size()).isZero(); // 4 steps per epoch: none at 50

        JsonNode images = tb.path("images").path("test/confusion_matrix");
        assertThat(images.size()).isEqualTo(2);
        for (int i = 0; i < 2; i++) {
            JsonNode img = images.get(i);
            assertThat(img.get(0).asInt()).isEqualTo(i + 1);
            assertThat(img.get(3).asInt()).isPositive();
            assertThat(img.get(4).get(0).asInt()).isEqualTo(img.get(1).asInt()); // Pillow decodes the stated size
            assertThat(img.get(4).get(1).asInt()).isEqualTo(img.get(2).asInt());
        }

        JsonNode hp = tb.path("hparams");
        assertThat(hp.path("model").asText()).isEqualTo("resnet20");
        assertThat(hp.path("lr").asDouble()).isEqualTo(0.05);
        assertThat(hp.path("batch_size").asDouble()).isEqualTo(32);
        assertThat(hp.path("seed").asDouble()).isEqualTo(5);
        assertThat(tb.path("experiment_metrics").toString()).contains("test/acc", "train/loss");
        assertThat(tb.path("session_end").asText()).isEqualTo("STATUS_SUCCESS");
    }

    @Test
    void noEventFileWhenSwitchedOff() throws IOException {
        Path run = dir.resolve("off");
        TrainSetup.start(tiny("--epochs", "1", "--no-tensorboard"), run, TrainListener.NONE).run();
        assertThat(eventFiles(run)).isEmpty();
        assertThat(Files.exists(run.resolve("metrics.csv"))).isTrue();
    }
}
