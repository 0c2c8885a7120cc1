package org.resnet4j.dist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnet4j.testing.ChildJvm;
import org.resnet4j.testing.DataFiles;
import org.resnet4j.testing.PythonVenv;

/**
 * {@code resnet4j train} as several processes: started by {@code resnet4j launch}, by torchrun, by hand with the
 * launch variables, and across two network namespaces joined by a veth pair; a worker killed mid-run; set-ups that
 * cannot work, each with one line.
 */
class DistributedRunTest {
    /** Tiny synthetic data: 120 training and 24 test images of 16x16, 4 classes. */
    private static final List<String> TINY = List.of("train", "--dataset", "synthetic", "--synthetic-size", "120",
            "--synthetic-classes", "4", "--image-size", "16", "--model", "resnet20", "--batch-size", "8",
            "--seed", "5", "--data-workers", "1");

    @TempDir
    Path dir;

    private static String[] args(List<String> base, String... more) {
        List<String> a = new ArrayList<>(base);
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    private static Map<String, String> rank(int r, int world, int port) {
        return LaunchEnvironment.variables(r, world, r, world, "127.0.0.1", port);
    }

    /** The lines of {@code text} that are errors (libraries print notes of their own). */
    private static List<String> errors(String text) {
        return text.lines().filter(l -> l.contains("error:")).toList();
    }

    @Test
    void launchTrainsOnTwoProcessesAndAResumedRunMayChangeTheirNumber() throws Exception {
        Path run = dir.resolve("run");
        String[] launch = Stream.concat(Stream.of("launch", "--nproc-per-node", "2", "--master-port",
                String.valueOf(ChildJvm.freePort())), Stream.of(args(TINY, "--epochs", "2", "--out", run.toString())))
                .toArray(String[]::new);
        ChildJvm p = ChildJvm.resnet4j(dir, "launch", Map.of(), launch);
        assertThat(p.await(5)).as(p.err()).isZero();
        String out = p.out() + p.err();
        assertThat(out).contains("[rank0]: distributed: 2 processes", "global batch 16",
                "60 of the 120 training images per process");
        assertThat(out.lines().filter(l -> l.startsWith("[rank1]:") && !l.contains("[Gloo]")).toList())
                .as("rank 1 trains silently").isEmpty();
        assertThat(p.out()).as("rank 0's results, unprefixed; Gloo's notes go to stderr").doesNotContain("[rank",
                "[Gloo]");
        assertThat(p.out().lines().filter(l -> l.startsWith("Epoch [2/2]"))).as("rank 0's alone").hasSize(1);
        assertThat(Files.readAllLines(run.resolve("metrics.csv"))).hasSize(3);
        JsonNode confusion = new ObjectMapper().readTree(run.resolve("confusion.json").toFile());
        long counted = 0;
        for (JsonNode row : confusion.get("matrix")) {
            for (JsonNode v : row) {
                counted += v.asLong();
            }
        }
        assertThat(counted).as("every test image counted once").isEqualTo(24);
        assertThat(run.resolve("last.ckpt")).exists();

        // eval shares the test split out the same way, and adds up to the one-process figures
        ChildJvm whole = ChildJvm.resnet4j(dir, "eval1", Map.of(), "eval", "--weights", run.resolve("last.ckpt")
                .toString(), "--json");
        ChildJvm shared = ChildJvm.resnet4j(dir, "eval2", Map.of(), "launch", "--nproc-per-node", "2",
                "--master-port", String.valueOf(ChildJvm.freePort()), "eval", "--weights", run.resolve("last.ckpt")
                        .toString(), "--json");
        assertThat(whole.await(3)).as(whole.err()).isZero();
        assertThat(shared.await(3)).as(shared.err()).isZero();
        JsonNode one = new ObjectMapper().readTree(whole.out());
        // rank 0's document, and nothing else on stdout
        JsonNode two = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .readTree(shared.out());
        assertThat(two.get("n").asLong()).isEqualTo(24);
        assertThat(two.get("confusion")).isEqualTo(one.get("confusion"));
        // relative: the shards' float sums add in another order, and oneDNN blocks each batch size its own way
        double loss = one.get("loss").asDouble();
        assertThat(two.get("loss").asDouble()).isCloseTo(loss, within(1e-6 * Math.max(1, Math.abs(loss))));

        ChildJvm resumed = ChildJvm.resnet4j(dir, "resume", Map.of(), "train", "--resume", run.toString(), "--epochs",
                "3", "--json");
        assertThat(resumed.await(5)).as(resumed.err()).isZero();
        assertThat(resumed.out() + resumed.err()).contains("trained on 2 process(es) and continues on 1",
                "the data order differs");
        assertThat(Files.readAllLines(run.resolve("metrics.csv"))).hasSize(4);
    }

    @Test
    void aKilledWorkerStopsTheOthersWithOneLineAndTheRunResumes() throws Exception {
        Path run = dir.resolve("run");
        String[] launch = Stream.concat(Stream.of("launch", "--nproc-per-node", "2", "--master-port",
                String.valueOf(ChildJvm.freePort())), Stream.of(args(TINY, "--epochs", "1000", "--dist-timeout", "20",
                        "--out", run.toString()))).toArray(String[]::new);
        ChildJvm p = ChildJvm.resnet4j(dir, "launch", Map.of(), launch);
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (!Files.exists(run.resolve("last.ckpt")) && System.nanoTime() < deadline && p.process().isAlive()) {
            Thread.sleep(200);
        }
        assertThat(run.resolve("last.ckpt")).as(p.err()).exists();
        ProcessHandle rank1 = p.process().descendants().filter(h -> environment(h).contains("RANK=1\0")).findFirst()
                .orElseThrow(() -> new AssertionError("no worker with RANK=1 under the launcher"));
        rank1.destroyForcibly();
        long killed = System.nanoTime();
        int status = p.await(3);
        double seconds = (System.nanoTime() - killed) / 1e9;
        assertThat(status).isNotZero();
        assertThat(seconds).as("the survivors stop well within --dist-timeout").isLessThan(60);
        List<String> rank0 = errors(p.err()).stream().filter(l -> l.startsWith("[rank0]")).toList();
        assertThat(rank0).as(p.err()).singleElement().asString().contains("rank 1").contains("lost")
                .contains("continue with: resnet4j train --resume " + run);
        assertThat(p.err()).contains("launch: rank 1 (local rank 1) failed");

        ChildJvm resumed = ChildJvm.resnet4j(dir, "resume", Map.of(), "train", "--resume", run.toString(),
                "--max-steps", "30");
        assertThat(resumed.await(5)).as(resumed.err()).isZero();
    }

    @Test
    void aWorkerThatHangsIsNamedAfterTheTimeout() throws Exception {
        int port = ChildJvm.freePort();
        Path run = dir.resolve("run");
        List<ChildJvm> ranks = new ArrayList<>();
        for (int r = 0; r < 2; r++) {
            // the timeout also bounds every wait of normal training, such as rank 1's while rank 0 writes its
            // checkpoints: 5 s could run out on a loaded machine before the hang below
            ranks.add(ChildJvm.resnet4j(dir, "r" + r, rank(r, 2, port), args(TINY, "--epochs", "1000",
                    "--dist-timeout", "15", "--out", run.toString())));
        }
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (!Files.exists(run.resolve("last.ckpt")) && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        assertThat(run.resolve("last.ckpt")).as(ranks.get(0).err()).exists();
        ProcessHandle hung = ranks.get(1).process().toHandle();
        assertThat(new ProcessBuilder("kill", "-STOP", String.valueOf(hung.pid())).start().waitFor()).isZero();
        try {
            assertThat(ranks.get(0).await(2)).isEqualTo(1);
            assertThat(errors(ranks.get(0).err())).singleElement().asString().contains("rank 1 stopped answering",
                    "--dist-timeout");
        } finally {
            hung.destroyForcibly();
        }
    }

    @Test
    void torchrunLaunchesTrainUnchanged() throws Exception {
        assumeTrue(PythonVenv.has("torch"), PythonVenv.missing("PyTorch"));
        Path torchrun = PythonVenv.python().resolveSibling("torchrun");
        assumeTrue(Files.isExecutable(torchrun), "needs torchrun beside " + PythonVenv.python());
        Path script = dir.resolve("resnet4j");
        Files.writeString(script, "#!/bin/sh\nexec " + String.join(" ", ChildJvm.command("org.resnet4j.cli.Main",
                List.of())) + " \"$@\"\n");
        script.toFile().setExecutable(true);
        Path run = dir.resolve("run");
        List<String> cmd = new ArrayList<>(List.of(torchrun.toString(), "--nproc-per-node", "2", "--master-port",
                String.valueOf(ChildJvm.freePort()), "--no-python", script.toString()));
        cmd.addAll(List.of(args(TINY, "--epochs", "1", "--out", run.toString())));
        ChildJvm p = ChildJvm.start(dir, "torchrun", Map.of(), cmd);
        assertThat(p.await(5)).as(p.err()).isZero();
        assertThat(p.out() + p.err()).contains("distributed: 2 processes");
        assertThat(Files.readAllLines(run.resolve("metrics.csv"))).hasSize(2);
    }

    @Test
    void aRankOutsideTheWorldIsOneLine() throws Exception {
        ChildJvm p = ChildJvm.resnet4j(dir, "bad", rank(2, 2, 29500), args(TINY, "--out", dir.resolve("r").toString()));
        assertThat(p.await(2)).isEqualTo(2);
        assertThat(errors(p.err())).singleElement().asString().contains("RANK 2 is outside WORLD_SIZE 2");
        assertThat(dir.resolve("r")).doesNotExist();
    }

    @Test
    void anUnreachableRendezvousIsOneLineAfterTheTimeout() throws Exception {
        ChildJvm p = ChildJvm.resnet4j(dir, "alone", rank(1, 2, ChildJvm.freePort()), args(TINY, "--dist-timeout",
                "3", "--out", dir.resolve("r").toString()));
        assertThat(p.await(2)).isEqualTo(1);
        assertThat(errors(p.err())).singleElement().asString().contains("rank 1 could not reach the rendezvous",
                "--dist-timeout");
    }

    @Test
    void aRankThatNeverArrivesIsNamed() throws Exception {
        ChildJvm p = ChildJvm.resnet4j(dir, "alone", rank(0, 2, ChildJvm.freePort()), args(TINY, "--dist-timeout",
                "3", "--out", dir.resolve("r").toString()));
        assertThat(p.await(2)).isEqualTo(1);
        assertThat(errors(p.err())).singleElement().asString().contains("rank 1 did not join the rendezvous");
        assertThat(dir.resolve("r")).doesNotExist();
    }

    @Test
    void aTakenPortIsOneLine() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            ChildJvm p = ChildJvm.resnet4j(dir, "taken", rank(0, 2, taken.getLocalPort()), args(TINY,
                    "--dist-timeout", "3", "--out", dir.resolve("r").toString()));
            assertThat(p.await(2)).isEqualTo(1);
            assertThat(errors(p.err())).singleElement().asString().contains("the port is taken");
        }
    }

    @Test
    void ranksStartedWithDifferentSettingsAreRefusedByBoth() throws Exception {
        int port = ChildJvm.freePort();
        Path run = dir.resolve("r");
        ChildJvm r0 = ChildJvm.resnet4j(dir, "r0", rank(0, 2, port), args(TINY, "--lr", "0.1", "--out",
                run.toString()));
        ChildJvm r1 = ChildJvm.resnet4j(dir, "r1", rank(1, 2, port), args(TINY, "--lr", "0.05", "--out",
                run.toString()));
        assertThat(r1.await(3)).isEqualTo(2);
        assertThat(r0.await(3)).isEqualTo(1);
        assertThat(errors(r1.err())).singleElement().asString().contains("its settings differ from rank 0's in --lr");
        assertThat(errors(r0.err())).singleElement().asString().contains("rank 1 could not start with rank 0's"
                + " settings");
        assertThat(run).doesNotExist();
    }

    /** The same settings, but each machine's data folder has other classes: the models differ in their head. */
    @Test
    void ranksThatBuildDifferentModelsAreRefusedByBothNamingTheTensor() throws Exception {
        int port = ChildJvm.freePort();
        Path run = dir.resolve("r");
        List<String> folder = List.of("train", "--dataset", "folder", "--image-size", "16", "--model", "resnet20",
                "--batch-size", "4", "--seed", "5", "--data-workers", "1", "--out", run.toString());
        ChildJvm r0 = ChildJvm.resnet4j(dir, "r0", rank(0, 2, port), args(folder, "--data-dir",
                imageFolder("three", 3).toString()));
        ChildJvm r1 = ChildJvm.resnet4j(dir, "r1", rank(1, 2, port), args(folder, "--data-dir",
                imageFolder("two", 2).toString()));
        assertThat(r1.await(3)).as(r1.err()).isNotZero();
        assertThat(r0.await(3)).as(r0.err()).isNotZero();
        assertThat(errors(r1.err())).singleElement().asString().contains("its model differs from rank 0's",
                "fc.weight [3, 64]", "fc.weight [2, 64]");
        assertThat(errors(r0.err())).singleElement().asString().contains("rank 1 could not build the same model as"
                + " rank 0");
        assertThat(run).as("nothing written").doesNotExist();
    }

    /** train/ and test/ folders of {@code classes} classes, four 16x16 images each. */
    private Path imageFolder(String name, int classes) throws IOException {
        Path root = dir.resolve(name);
        for (String split : List.of("train", "test")) {
            for (int c = 0; c < classes; c++) {
                for (int i = 0; i < 4; i++) {
                    DataFiles.image(root.resolve(split).resolve("class" + c).resolve(i + ".png"), "png",
                            BufferedImage.TYPE_INT_RGB, 16, 16, 0x203040 * (c + 1) + 9 * i);
                }
            }
        }
        return root;
    }

    /**
     * Two machines, as far as the network goes: rank 0 in one network namespace and rank 1 in another, joined by a
     * veth pair, with MASTER_ADDR on the pair's address (not loopback).
     */
    @Test
    void ranksInTwoNetworkNamespacesTrainOverAVethPair() throws Exception {
        String a = "r4j-a-" + ProcessHandle.current().pid();
        String b = "r4j-b-" + ProcessHandle.current().pid();
        String addrA = "10.213.7.1";
        try {
            assumeTrue(sh("ip", "netns", "add", a) == 0, "cannot create network namespaces (needs root and ip)");
            assertThat(sh("ip", "netns", "add", b)).isZero();
            assertThat(sh("ip", "link", "add", "va" + ProcessHandle.current().pid() % 10000, "netns", a, "type",
                    "veth", "peer", "name", "vb" + ProcessHandle.current().pid() % 10000, "netns", b)).isZero();
            String va = "va" + ProcessHandle.current().pid() % 10000;
            String vb = "vb" + ProcessHandle.current().pid() % 10000;
            assertThat(sh("ip", "-n", a, "addr", "add", addrA + "/24", "dev", va)).isZero();
            assertThat(sh("ip", "-n", b, "addr", "add", "10.213.7.2/24", "dev", vb)).isZero();
            for (String[] up : new String[][] {{a, va}, {b, vb}, {a, "lo"}, {b, "lo"}}) {
                assertThat(sh("ip", "-n", up[0], "link", "set", up[1], "up")).isZero();
            }
            Path run = dir.resolve("run");
            List<ChildJvm> ranks = new ArrayList<>();
            for (int r = 0; r < 2; r++) {
                List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", r == 0 ? a : b));
                cmd.addAll(ChildJvm.command("org.resnet4j.cli.Main", List.of(args(TINY, "--epochs", "1",
                        "--dist-timeout", "60", "--out", run.toString()))));
                Map<String, String> env = new HashMap<>(LaunchEnvironment.variables(r, 2, 0, 1, addrA, 29500));
                ranks.add(ChildJvm.start(dir, "ns" + r, env, cmd));
            }
            for (ChildJvm r : ranks) {
                assertThat(r.await(5)).as(r.err()).isZero();
            }
            assertThat(ranks.get(0).out() + ranks.get(0).err()).contains("Gloo through " + addrA + ":29500");
            assertThat(Files.readAllLines(run.resolve("metrics.csv"))).hasSize(2);
        } finally {
            sh("ip", "netns", "del", a);
            sh("ip", "netns", "del", b);
        }
    }

    private static int sh(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect
                .DISCARD).start();
        return p.waitFor(30, TimeUnit.SECONDS) ? p.exitValue() : -1;
    }

    private static String environment(ProcessHandle h) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc", String.valueOf(h.pid()), "environ")));
        } catch (IOException e) {
            return "";
        }
    }
}
