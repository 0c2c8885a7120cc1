package org.resnet4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnet4j.data.DatasetKind;
import org.resnet4j.engine.Layout;
import org.resnet4j.engine.Precision;
import org.resnet4j.model.ModelOptions;
import org.resnet4j.testing.Cli;
import org.resnet4j.train.OptimSettings;
import org.resnet4j.train.ScheduleSettings;
import org.resnet4j.train.TrainConfig;

import picocli.CommandLine;

class TrainCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] TINY = {"--model", "resnet20", "--dataset", "synthetic", "--synthetic-size", "128",
        "--synthetic-classes", "4", "--image-size", "16", "--batch-size", "32", "--epochs", "2", "--seed", "1"};

    @TempDir
    Path dir;

    @Test
    void noOptionsIsTheReferenceProgram() {
        TrainCommand cmd = new TrainCommand();
        new CommandLine(cmd).parseArgs();
        TrainConfig c = cmd.config();
        assertThat(c).isEqualTo(TrainConfig.reference());
        assertThat(c.model().model()).isEqualTo("resnet18");
        assertThat(c.data().dataset()).isEqualTo(DatasetKind.CIFAR10);
        assertThat(c.run().epochs()).isEqualTo(100);
        assertThat(c.run().batchSize()).isEqualTo(128);
        assertThat(c.optim().optimizer()).isEqualTo(OptimSettings.Kind.SGD);
        assertThat(c.optim().lr()).isEqualTo(0.1);
        assertThat(c.optim().momentum()).isEqualTo(0.9);
        assertThat(c.optim().weightDecay()).isEqualTo(5e-4);
        assertThat(c.schedule().schedule()).isEqualTo(ScheduleSettings.Kind.CONSTANT);
        assertThat(c.augment().augment()).isTrue();
        assertThat(c.run().precision()).isEqualTo(Precision.FP32);
        assertThat(c.describe()).isEqualTo("SGD lr 0.1 momentum 0.9 weight decay 5.0E-4, constant schedule, batch 128,"
                + " 100 epochs, fp32");
    }

    @Test
    void typedOptionsChangeTheRecipeAndNegatableOnesTurnDefaultsOff() {
        TrainCommand cmd = new TrainCommand();
        new CommandLine(cmd).parseArgs("--recipe", "paper", "--model", "resnet56", "--no-augment", "--no-stratify",
                "--layout", "channels-last", "--betas", "0.8,0.95");
        TrainConfig c = cmd.config();
        assertThat(c.model().model()).isEqualTo("resnet56");
        assertThat(c.optim().weightDecay()).isEqualTo(1e-4); // the recipe's
        assertThat(c.data().valSplit()).isEqualTo(5000);
        assertThat(c.augment().augment()).isFalse();
        assertThat(c.data().stratify()).isFalse();
        assertThat(c.run().layout()).isEqualTo(Layout.CHANNELS_LAST);
        assertThat(c.optim().betas()).isEqualTo(new OptimSettings.Betas(0.8, 0.95));
    }

    @Test
    void printsTheReferenceLinesOnStdoutOrOneJsonObject() throws IOException {
        Cli.Result r = Cli.run(concat(TINY, "--out", dir.resolve("a").toString()));
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out().lines()).hasSize(4).element(2).asString().startsWith("Epoch [2/2], Loss: ");
        assertThat(r.err()).contains("model resnet20", "recipe: SGD lr 0.1");

        Cli.Result j = Cli.run(concat(TINY, "--out", dir.resolve("b").toString(), "--json"));
        assertThat(j.exit()).as(j.err()).isZero();
        JsonNode o = JSON.readTree(j.out());
        assertThat(o.get("status").asText()).isEqualTo("completed");
        assertThat(o.get("history")).hasSize(2);
        assertThat(o.get("test_acc").asDouble()).isBetween(0.0, 1.0);
        assertThat(j.err()).contains("Epoch [1/2]");
    }

    @Test
    void badTrainingOptionsGetOneErrorLineAndLeaveRunsAlone() throws IOException {
        Path run = dir.resolve("run");
        assertThat(Cli.run(concat(TINY, "--out", run.toString())).exit()).isZero();
        byte[] last = Files.readAllBytes(run.resolve("last.ckpt"));
        error(Cli.run(concat(TINY, "--out", run.toString())), 2, "already holds a run");
        error(Cli.run(concat(TINY, "--schedule", "exp")), 2, "'exp' is not one of constant, multistep, cosine, onecycle");
        error(Cli.run(concat(TINY, "--lr", "-1")), 2, "--lr must be positive");
        error(Cli.run(concat(TINY, "--lr", "fast")), 2, "'fast' is not a double");
        error(Cli.run(concat(TINY, "--schedule", "multistep")), 2, "needs --milestones");
        error(Cli.run(concat(TINY, "--precision", "fp8")), 2, "'fp8' is not one of fp32, bf16, fp16");
        error(Cli.run(concat(TINY, "--precision", "fp16", "--device", "cpu")), 2,
                "--precision fp16 needs a CUDA device");
        error(Cli.run(concat(TINY, "--betas", "0.9")), 2, "'0.9' is not two numbers like 0.9,0.999");
        error(Cli.run(concat(TINY, "--recipe", "turbo")), 2, "unknown recipe 'turbo'");
        error(Cli.run("train", "--dataset", "synthetic", "--image-size", "0"), 2, "--image-size must be at least 1");
        if (!Layout.supported(ModelOptions.of("resnet50").architecture())) { // where oneDNN's caches stay uncorrected
            error(Cli.run("train", "--model", "resnet50", "--layout", "channels-last"), 2, "cannot run channels-last");
        }
        error(Cli.run("train", "--dataset", "mnist", "--image-size", "64"), 2, "--image-size applies to folder");
        error(Cli.run("train", "--model", "resnet7"), 2, "unknown model 'resnet7'");
        error(Cli.run("train", "--resume", run.toString(), "--lr", "0.5"), 2, "a resumed run keeps its recipe");
        error(Cli.run("train", "--resume", run.toString(), "--out", "x"), 2, "drop --out");
        error(Cli.run("train", "--resume", dir.resolve("none").toString()), 1, "no such run folder");
        error(Cli.run(concat(TINY, "--weights", dir.resolve("none.pt").toString())), 1, "no such weights file");
        Files.writeString(run.resolve("broken.ckpt"), "garbage");
        error(Cli.run(concat(TINY, "--weights", run.resolve("broken.ckpt").toString())), 1, "neither a safetensors");
        assertThat(Files.readAllBytes(run.resolve("last.ckpt"))).isEqualTo(last);
    }

    @Test
    void autoResumeStartsARunOrContinuesTheOneInOut() throws IOException {
        Path run = dir.resolve("auto");
        // 4 steps per epoch: the first run stops after its first epoch
        Cli.Result first = Cli.run(concat(TINY, "--max-steps", "4", "--out", run.toString(), "--auto-resume"));
        assertThat(first.exit()).as(first.err()).isZero();
        assertThat(first.err()).doesNotContain("resuming");
        Cli.Result again = Cli.run(concat(TINY, "--max-steps", "0", "--out", run.toString(), "--auto-resume"));
        assertThat(again.exit()).as(again.err()).isZero();
        assertThat(again.err()).contains("resuming " + run + " from its last checkpoint (--auto-resume)",
                "resuming at epoch 2");
        assertThat(Files.readAllLines(run.resolve("metrics.csv"))).hasSize(3);
        error(Cli.run(concat(TINY, "--auto-resume")), 2, "--auto-resume needs --out");
        error(Cli.run("train", "--resume", run.toString(), "--auto-resume"), 2, "drop --out, --recipe and"
                + " --auto-resume");
    }

    private static void error(Cli.Result r, int exit, String text) {
        assertThat(r.exit()).as(r.err()).isEqualTo(exit);
        assertThat(r.err()).contains("error: ", text).doesNotContain("\tat ");
        assertThat(r.err().lines().filter(l -> l.contains("error:"))).hasSize(1);
    }

    private static String[] concat(String[] base, String... more) {
        String[] all = new String[base.length + more.length + 1];
        all[0] = "train";
        System.arraycopy(base, 0, all, 1, base.length);
        System.arraycopy(more, 0, all, 1 + base.length, more.length);
        return all;
    }
}
