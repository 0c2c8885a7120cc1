package org.resnet4j.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnet4j.io.ModelLoader;
import org.resnet4j.io.Weights;

/** Real processes, real signals: SIGTERM saves and exits cleanly; kill -9 never leaves a broken checkpoint. */
class InterruptProcessTest {
    @TempDir
    Path dir;

    private Process train(Path run, String... extra) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> cmd = new ArrayList<>(List.of(java, "-cp", cp, "org.resnet4j.cli.Main", "train", "--model",
                "resnet20", "--dataset", "synthetic", "--synthetic-size", "2048", "--synthetic-classes", "4",
                "--image-size", "16", "--batch-size", "32", "--epochs", "50", "--limit-eval-batches", "1",
                "--seed", "5", "--threads", "1"));
        cmd.addAll(List.of(extra));
        return new ProcessBuilder(cmd).redirectOutput(dir.resolve("out.txt").toFile())
                .redirectError(dir.resolve("err.txt").toFile()).start();
    }

    /** The training command of {@link #train}, started as a script's background command is: with SIGINT ignored. */
    private Process trainWithSigintIgnored(Path run) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        String cmd = "trap '' INT; exec '" + java + "' -cp '" + cp + "' org.resnet4j.cli.Main train --model resnet20"
                + " --dataset synthetic --synthetic-size 2048 --synthetic-classes 4 --image-size 16 --batch-size 32"
                + " --epochs 50 --limit-eval-batches 1 --seed 5 --threads 1 --out '" + run + "'";
        return new ProcessBuilder("bash", "-c", cmd).redirectOutput(dir.resolve("out.txt").toFile())
                .redirectError(dir.resolve("err.txt").toFile()).start();
    }

    private static void waitFor(Path file, long millis) throws InterruptedException {
        long end = System.currentTimeMillis() + millis;
        while (!Files.exists(file) && System.currentTimeMillis() < end) {
            Thread.sleep(50);
        }
        assertThat(file).exists();
    }

    @Test
    void sigtermSavesACheckpointAndExitsCleanly() throws Exception {
        Path run = dir.resolve("run");
        Process p = train(run, "--out", run.toString());
        waitFor(run.resolve("last.ckpt"), 120_000); // one epoch done
        // steps into epoch 2 even on a loaded machine (after 0.3 s a stop could still come before its first step,
        // and the save below would be epoch 1's end, which proves nothing)
        Thread.sleep(3000);
        p.destroy(); // SIGTERM
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String err = Files.readString(dir.resolve("err.txt"));
        assertThat(p.exitValue()).as(err).isEqualTo(143);
        assertThat(err).contains("SIGTERM: stopping after this step", "continue with: resnet4j train --resume");
        Checkpoint.Contents c = Checkpoint.read(run.resolve("last.ckpt"));
        assertThat(c.state().step).isGreaterThan(64); // saved where it stopped, past epoch 1's 64 steps
        assertThat(Files.readString(run.resolve("train.log"))).contains("(interrupted)");
    }

    /**
     * A JVM cannot catch a signal it was started with ignored; the run says so at start and names the signal that
     * stops it (the launcher starts Java with SIGINT at its default instead: LauncherTest).
     */
    @Test
    void anIgnoredSigintIsSaidAtStartAndSigtermStillStops() throws Exception {
        Path run = dir.resolve("run");
        Process p = trainWithSigintIgnored(run);
        waitFor(run.resolve("last.ckpt"), 120_000);
        String err = Files.readString(dir.resolve("err.txt"));
        assertThat(err).contains("note: SIGINT is ignored in this process", "kill -TERM " + p.pid());
        new ProcessBuilder("kill", "-INT", String.valueOf(p.pid())).start().waitFor();
        Thread.sleep(1000);
        assertThat(p.isAlive()).as("SIGINT is ignored").isTrue();
        p.destroy(); // SIGTERM
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(Files.readString(dir.resolve("err.txt"))).isEqualTo(143);
        assertThat(Files.readString(dir.resolve("err.txt"))).contains("SIGTERM: stopping after this step");
    }

    @Test
    void killMinusNineAtAnyMomentLeavesTheLastCheckpointLoadable() throws Exception {
        Path run = dir.resolve("run");
        Process p = train(run, "--out", run.toString(), "--limit-train-batches", "2");
        waitFor(run.resolve("last.ckpt"), 120_000);
        for (int i = 0; i < 6; i++) {
            Thread.sleep(97 + 31 * i); // epochs are short here: checkpoints are being written all the time
            Weights.read(run.resolve("last.ckpt"));
        }
        p.destroyForcibly(); // SIGKILL
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        Checkpoint.Contents c = Checkpoint.read(run.resolve("last.ckpt"));
        assertThat(c.state().history).isNotEmpty();
        assertThat(ModelLoader.load(run.resolve("last.ckpt"), null).net().parameterCount()).isEqualTo(269_722 - 390);
        // and the run continues from it
        Process resumed = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")),
                "org.resnet4j.cli.Main", "train", "--resume", run.toString(), "--max-steps", String.valueOf(
                        c.state().step + 2)).redirectErrorStream(true).redirectOutput(dir.resolve("resume.txt").toFile())
                .start();
        assertThat(resumed.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(resumed.exitValue()).as(Files.readString(dir.resolve("resume.txt"))).isZero();
        assertThat(Checkpoint.read(run.resolve("last.ckpt")).state().step).isEqualTo(c.state().step + 2);
    }
}
