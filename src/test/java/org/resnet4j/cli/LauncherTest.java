package org.resnet4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code resnet4j} launcher script, run on the test classes (RESNET4J_CLASSPATH) with real signals: Ctrl-C stops a
 * run that a script started in the background, and a crash in native code ends with one line that says so.
 */
class LauncherTest {
    @TempDir
    Path dir;

    /** {@code resnet4j train} on a small synthetic run, through bash with {@code prelude} before the launcher. */
    private Process launch(String prelude, Path run) throws IOException {
        Path launcher = Path.of("resnet4j").toAbsolutePath();
        String cmd = prelude + " exec '" + launcher + "' train --model resnet20 --dataset synthetic --synthetic-size 2048"
                + " --synthetic-classes 4 --image-size 16 --batch-size 32 --epochs 50 --limit-eval-batches 1 --seed 5"
                + " --threads 1 --out '" + run + "'";
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", cmd).redirectOutput(dir.resolve("out.txt").toFile())
                .redirectError(dir.resolve("err.txt").toFile());
        pb.environment().put("RESNET4J_CLASSPATH",
                System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
        pb.environment().put("TMPDIR", dir.toString());
        return pb.start();
    }

    private static void waitFor(Path file, long millis) throws InterruptedException {
        long end = System.currentTimeMillis() + millis;
        while (!Files.exists(file) && System.currentTimeMillis() < end) {
            Thread.sleep(50);
        }
        assertThat(file).exists();
    }

    private static void signal(String name, Process p) throws IOException, InterruptedException {
        assertThat(new ProcessBuilder("kill", "-" + name, String.valueOf(p.pid())).start().waitFor()).isZero();
    }

    @Test
    void ctrlCStopsARunThatAScriptStartedInTheBackground() throws Exception {
        assumeTrue(new ProcessBuilder("env", "--default-signal=INT", "true").start().waitFor() == 0,
                "this env(1) cannot reset signals (GNU coreutils 8.31 or later can)");
        Path run = dir.resolve("run");
        Process p = launch("trap '' INT;", run); // what `cmd &` in a script does to SIGINT
        waitFor(run.resolve("last.ckpt"), 120_000);
        signal("INT", p);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String err = Files.readString(dir.resolve("err.txt"));
        assertThat(p.exitValue()).as(err).isEqualTo(130);
        assertThat(err).contains("SIGINT: stopping after this step", "continue with: resnet4j train --resume")
                .doesNotContain("is ignored");
    }

    /** The JVM treats a SIGFPE sent to it like the one oneDNN raised in est_eff_1x1: a fatal error in native code. */
    @Test
    void aNativeCrashEndsWithOneLineThatSaysWhatHappened() throws Exception {
        Path run = dir.resolve("run");
        Process p = launch("", run);
        waitFor(run.resolve("last.ckpt"), 120_000);
        signal("FPE", p);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isNotZero();
        String err = Files.readString(dir.resolve("err.txt"));
        Path report = dir.resolve("resnet4j-crash-" + p.pid() + ".log");
        assertThat(err.strip().lines().reduce((a, b) -> b).orElseThrow()).startsWith(
                "resnet4j: error: the JVM crashed in native code").contains(report.toString(), "intact");
        assertThat(report).exists();
        assertThat(Files.readString(report)).contains("SIGFPE");
    }
}
