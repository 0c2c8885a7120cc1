package org.resnet4j.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import org.bytedeco.pytorch.Optimizer;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnet4j.config.Settings;
import org.resnet4j.data.DatasetKind;
import org.resnet4j.engine.Engine;
import org.resnet4j.engine.Layout;
import org.resnet4j.model.ModelOptions;
import org.resnet4j.model.ResNet;
import org.resnet4j.model.ResNets;
import org.resnet4j.testing.Fixtures;

class TrainConfigTest {
    @TempDir
    Path dir;

    @Test
    void everySettingIsDeclaredOnceWithItsOwnFlag() {
        Set<String> flags = new HashSet<>();
        Set<String> names = new HashSet<>();
        for (Class<? extends Record> part : TrainConfig.PARTS) {
            for (Settings.Setting s : Settings.of(part)) {
                assertThat(flags.add(s.flag())).as("flag %s declared twice", s.flag()).isTrue();
                assertThat(names.add(s.name())).as("setting %s declared twice", s.name()).isTrue();
                assertThat(s.option().description()).as(s.flag()).isNotEmpty();
            }
        }
        assertThat(names).containsAll(TrainConfig.RESOURCES);
    }

    @Test
    void configJsonRoundTripsEverySetting() {
        TrainConfig c = TrainConfig.reference().with("--model", "resnet20", "--shortcut", "B", "--init", "he",
                "--weights", "w.safetensors", "--dataset", "folder", "--data-dir", "/data/pets", "--val-split", "500",
                "--no-stratify", "--image-size", "48", "--channels", "1", "--fit", "pad", "--mirror",
                "http://127.0.0.1:1/", "--no-augment", "--cutout", "8", "--optimizer", "adamw", "--betas", "0.8,0.95",
                "--schedule", "multistep", "--milestones", "3,6.5", "--precision", "bf16", "--layout", "nchw",
                "--seed", "9", "--threads", "1");
        String json = c.toJson();
        assertThat(TrainConfig.fromJson(json)).isEqualTo(c);
        assertThat(json).contains("\"layout\" : \"nchw\"", "\"dataset\" : \"folder\"", "\"data_dir\" : \"/data/pets\"");
    }

    @Test
    void aConfigFromBeforeTheSettingsWereGroupedStillReads() throws IOException {
        TrainConfig c = TrainConfig.fromJson(Files.readString(Fixtures.path("legacy-run-v1/config.json")));
        assertThat(c.model().model()).isEqualTo("resnet20");
        assertThat(c.data().dataset()).isEqualTo(DatasetKind.SYNTHETIC);
        assertThat(c.data().valSplit()).isEqualTo(16);
        assertThat(c.optim().noDecayBnBias()).isTrue();
        assertThat(c.optim().labelSmoothing()).isEqualTo(0.1);
        assertThat(c.optim().betas()).isEqualTo(new OptimSettings.Betas(0.9, 0.999));
        assertThat(c.schedule().schedule()).isEqualTo(ScheduleSettings.Kind.COSINE);
        assertThat(c.schedule().warmupEpochs()).isEqualTo(1.0);
        assertThat(c.run().layout()).isEqualTo(Layout.CHANNELS_LAST); // was "channels_last": true
        assertThat(c.run().seed()).isEqualTo(3L);
        assertThat(c.engine().threads()).isEqualTo(2);
    }

    /** A run folder written by resnet4j 0.1 (flat config.json, format-1 checkpoint) resumes and finishes. */
    @Test
    void anOldRunFolderResumes() throws IOException {
        Path run = dir.resolve("old");
        Files.createDirectories(run);
        try (Stream<Path> files = Files.list(Fixtures.path("legacy-run-v1"))) {
            for (Path f : files.toList()) {
                Files.copy(f, run.resolve(f.getFileName()));
            }
        }
        TrainResult r = TrainSetup.resume(run, TrainListener.NONE, c -> c.with("--max-steps", "0")).run();
        assertThat(r.status()).isEqualTo(TrainResult.Status.COMPLETED);
        assertThat(r.history()).hasSize(2);
        assertThat(r.steps()).isEqualTo(6);
        assertThat(TrainConfig.fromJson(Files.readString(run.resolve("config.json"))).run().layout())
                .isEqualTo(Layout.CHANNELS_LAST);
    }

    @Test
    void badConfigsNameWhatIsWrong() {
        assertThatThrownBy(() -> TrainConfig.fromJson("[1]")).hasMessageContaining("JSON object");
        assertThatThrownBy(() -> TrainConfig.fromJson("{\"model\": \"resnet20\", \"learning_rate\": 1}"))
                .hasMessageContaining("unknown setting(s) [learning_rate]");
        assertThatThrownBy(() -> TrainConfig.fromJson("{\"optim\": {\"lr\": -1}}"))
                .hasMessageContaining("--lr must be positive");
        assertThatThrownBy(() -> TrainConfig.fromJson("{\"optim\": {\"lr\": 0.1, \"momentm\": 0.9}}"))
                .hasMessageContaining("unknown setting 'momentm' in optim");
        assertThat(TrainConfig.fromJson("{\"optim\": {\"lr\": 0.2}}").optim().eps()).isEqualTo(1e-8);
        assertThatThrownBy(() -> TrainConfig.reference().with("--min-lr", "0.5"))
                .hasMessageContaining("--min-lr (0.5) must be below --lr (0.1)");
        assertThatThrownBy(() -> TrainConfig.reference().with("--epochs", "none"))
                .hasMessageContaining("'none' is not an int");
    }

    @Test
    void differencesNameTheFlags() {
        TrainConfig a = TrainConfig.reference();
        TrainConfig b = a.with("--lr", "0.2", "--epochs", "3", "--no-augment");
        List<String> all = new ArrayList<>(a.differences(b, Set.of()));
        assertThat(all).containsExactly("--augment", "--lr", "--epochs");
        assertThat(a.differences(b, TrainConfig.RESOURCES)).containsExactly("--augment", "--lr");
    }

    /** SGD with momentum 0.9 on a constant gradient g: the second step moves by lr·(0.9 + 1 − dampening)·g. */
    @Test
    void dampeningReachesTheOptimizer() {
        Engine.start();
        for (double dampening : new double[] {0, 0.5}) {
            OptimSettings c = TrainConfig.reference().with("--dampening", Double.toString(dampening),
                    "--weight-decay", "0").optim();
            assertThat(c.describe()).contains(dampening > 0 ? "dampening 0.5" : "momentum 0.9 weight");
            ResNet net = ResNets.create(ModelOptions.of("resnet20"));
            Optimizer sgd = Optimizers.create(net, c);
            Tensor p = net.parameters().get(0);
            Tensor before = p.detach().clone();
            for (int step = 0; step < 2; step++) {
                sgd.zero_grad();
                p.sum().backward(); // a gradient of ones
                sgd.step();
            }
            double moved = before.sub(p.detach()).mean().item_double();
            assertThat(moved).isCloseTo(0.1 * (1 + 0.9 + 1 - dampening), org.assertj.core.data.Offset.offset(1e-6));
        }
        assertThatThrownBy(() -> TrainConfig.reference().with("--dampening", "2"))
                .hasMessageContaining("--dampening must be in [0, 1], got 2.0");
    }
}
