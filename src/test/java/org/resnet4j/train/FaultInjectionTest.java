package org.resnet4j.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 at many moments, inside checkpoint writes included, and a resume after each: the run ends exactly where an
 * uninterrupted one does (same metrics, same weights), and no kill ever leaves a checkpoint that does not read back
 * intact. The moments inside file writes are reached with {@code -Dresnet4j.pause-at} (io/PausePoints): the child
 * stops there and is killed with SIGKILL; the others are random times during training.
 */
class FaultInjectionTest {
    private static final List<String> RUN = List.of("--model", "resnet20", "--dataset", "synthetic",
            "--synthetic-size", "64", "--synthetic-classes", "4", "--image-size", "16", "--batch-size", "16",
            "--epochs", "40", "--seed", "7", "--threads", "1", "--data-workers", "1", "--deterministic");
    /**
     * Kills at named moments: starting, after metrics.csv and before any checkpoint, inside the first best.ckpt write
     * (the only one sure to come: later ones wait for a better accuracy), inside each stage of a last.ckpt write.
     */
    private static final List<String> SCHEDULE = List.of("replaced:config.json#1", "replaced:metrics.csv#1",
            "header:best.ckpt#1", "unsynced:best.ckpt#1", "synced:best.ckpt#1", "replaced:best.ckpt#1",
            "header:last.ckpt#2", "unsynced:last.ckpt#2", "synced:last.ckpt#2", "rotated:last.ckpt#2",
            "replaced:last.ckpt#2", "replaced:metrics.csv#2");
    /** The moments of the files written every epoch (see AtomicFile, SafeTensors). */
    private static final Map<String, List<String>> STAGES = Map.of(
            "last.ckpt", List.of("header", "unsynced", "synced", "rotated", "replaced"),
            "metrics.csv", List.of("unsynced", "synced", "replaced"));
    private static final int RANDOM_POINTS = 8;
    private static final int RANDOM_TIMES = 4;

    @TempDir
    Path dir;

    private Process start(Path run, String pauseAt, String name) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        // C1 only: these short-lived children spend more time compiling than running otherwise
        List<String> cmd = new ArrayList<>(List.of(java, "-XX:TieredStopAtLevel=1", "-cp", cp));
        if (pauseAt != null) {
            cmd.add("-Dresnet4j.pause-at=" + pauseAt);
        }
        cmd.addAll(List.of("org.resnet4j.cli.Main", "train"));
        if (Files.exists(run.resolve("config.json"))) {
            cmd.addAll(List.of("--resume", run.toString()));
        } else { // killed before the run recorded anything: the same command again
            cmd.addAll(List.of("--out", run.toString()));
            cmd.addAll(RUN);
        }
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve(name).toFile()).start();
    }

    /** Waits until the child's output shows {@code marker}; false when the child ended first. */
    private boolean waitFor(Process p, Path output, String marker) throws IOException, InterruptedException {
        long end = System.currentTimeMillis() + 180_000;
        while (System.currentTimeMillis() < end) {
            if (Files.readString(output).contains(marker)) {
                return true;
            }
            if (!p.isAlive()) {
                return Files.readString(output).contains(marker);
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no '" + marker + "' in three minutes: " + Files.readString(output));
    }

    private static void kill(Process p) throws InterruptedException {
        p.destroyForcibly(); // SIGKILL
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    }

    /** Every checkpoint in the folder reads back as written; leftovers of killed writes are never taken for one. */
    private static void assertCheckpointsIntact(Path run, String after) throws IOException {
        try (Stream<Path> files = Files.list(run)) {
            for (Path f : files.filter(f -> f.getFileName().toString().endsWith(".ckpt")).toList()) {
                try {
                    assertThat(Checkpoint.read(f).verified()).isTrue();
                } catch (IOException | RuntimeException e) {
                    throw new AssertionError("after a kill at " + after + ", " + f + " does not read back: " + e, e);
                }
            }
        }
    }

    @Test
    void killedAtAnyMomentAndResumedTheRunEndsAsAnUninterruptedOne() throws Exception {
        Path whole = dir.resolve("whole");
        Process reference = start(whole, null, "whole.txt");

        Path run = dir.resolve("killed");
        Random random = new Random(11);
        List<String> kills = new ArrayList<>(SCHEDULE);
        List<String> files = List.copyOf(new java.util.TreeSet<>(STAGES.keySet()));
        for (int i = 0; i < RANDOM_POINTS; i++) {
            String file = files.get(random.nextInt(files.size()));
            List<String> stages = STAGES.get(file);
            kills.add(stages.get(random.nextInt(stages.size())) + ":" + file + "#" + (1 + random.nextInt(2)));
        }
        for (int i = 0; i < RANDOM_TIMES; i++) {
            kills.add("time:" + random.nextInt(800));
        }
        int killed = 0;
        boolean finished = false;
        for (String at : kills) {
            String name = "kill" + killed + ".txt";
            boolean timed = at.startsWith("time:");
            Process p = start(run, timed ? null : at, name);
            if (timed) {
                if (waitFor(p, dir.resolve(name), "run folder")) {
                    Thread.sleep(Long.parseLong(at.substring(5)));
                }
            } else if (!waitFor(p, dir.resolve(name), "resnet4j: paused at")) {
                assertThat(p.waitFor()).as(Files.readString(dir.resolve(name))).isZero();
                finished = true; // the moment never came: the run was done before
                break;
            }
            if (!p.isAlive()) {
                assertThat(p.exitValue()).as(Files.readString(dir.resolve(name))).isZero();
                finished = true;
                break;
            }
            kill(p);
            killed++;
            assertCheckpointsIntact(run, at);
        }
        assertThat(killed).as("kills before the run ended").isGreaterThanOrEqualTo(20);
        if (!finished) {
            Process last = start(run, null, "rest.txt");
            assertThat(last.waitFor(300, TimeUnit.SECONDS)).isTrue();
            assertThat(last.exitValue()).as(Files.readString(dir.resolve("rest.txt"))).isZero();
        }
        assertThat(reference.waitFor(300, TimeUnit.SECONDS)).isTrue();
        assertThat(reference.exitValue()).as(Files.readString(dir.resolve("whole.txt"))).isZero();

        assertThat(TrainerTest.withoutTiming(Files.readAllLines(run.resolve("metrics.csv"))))
                .isEqualTo(TrainerTest.withoutTiming(Files.readAllLines(whole.resolve("metrics.csv"))));
        for (String f : List.of("last.ckpt", "best.ckpt")) {
            Checkpoint.Contents a = Checkpoint.read(run.resolve(f));
            Checkpoint.Contents b = Checkpoint.read(whole.resolve(f));
            assertThat(a.state().step).isEqualTo(b.state().step);
            assertThat(TrainerTest.withoutTiming(a.state().history))
                    .isEqualTo(TrainerTest.withoutTiming(b.state().history));
            for (Map.Entry<String, Tensor> e : b.model().entrySet()) {
                assertThat(a.model().get(e.getKey()).equal(e.getValue())).as(f + ": " + e.getKey()).isTrue();
            }
        }
    }
}
