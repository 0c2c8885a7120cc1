package org.resnet4j.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A fresh JVM with an empty JavaCPP cache must start libtorch (the first System.load used to crash it). */
class ColdStartTest {
    @TempDir
    Path dir;

    /** The library's entry point: the first torch class a caller touches is a model's. */
    public static void main(String[] args) {
        System.out.println("parameters " + org.resnet4j.model.ResNets.create("resnet20").parameterCount());
    }

    @Test
    void freshJvmWithEmptyNativeCacheBuildsAModel() throws IOException, InterruptedException {
        assertThat(runFresh(ColdStartTest.class.getName())).contains("parameters 269722");
    }

    @Test
    void freshJvmWithEmptyNativeCacheRunsATorchCommand() throws IOException, InterruptedException {
        assertThat(runFresh("org.resnet4j.cli.Main", "summary", "--model", "resnet20", "--json"))
                .contains("\"total_parameters\":269722");
    }

    @Test
    void missingNativeLibrariesGiveOneClearErrorLine() throws IOException, InterruptedException {
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        String withoutNatives = java.util.Arrays.stream(cp.split(java.io.File.pathSeparator))
                .filter(e -> !e.contains("pytorch-2.10.0-1.5.13-linux-x86_64")).collect(
                        java.util.stream.Collectors.joining(java.io.File.pathSeparator));
        Path err = dir.resolve("err.txt");
        Process p = new ProcessBuilder(javaBin, "-Dorg.bytedeco.javacpp.cachedir=" + dir.resolve("c"), "-cp",
                withoutNatives, "org.resnet4j.cli.Main", "summary", "--model", "resnet20").redirectError(err.toFile())
                .start();
        p.getInputStream().readAllBytes();
        assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();
        assertThat(p.exitValue()).isEqualTo(1);
        assertThat(Files.readAllLines(err)).filteredOn(l -> !l.startsWith("INFO")).singleElement().asString()
                .contains("cannot load the libtorch native libraries", "org.bytedeco:pytorch:2.10.0-1.5.13");
    }

    private String runFresh(String... mainAndArgs) throws IOException, InterruptedException {
        Path cache = Files.createTempDirectory(dir, "javacpp-cache");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> cmd = new java.util.ArrayList<>(List.of(java, "-Dorg.bytedeco.javacpp.cachedir=" + cache,
                "-XX:ErrorFile=" + dir.resolve("hs_err_%p.log"), "-cp", cp));
        cmd.addAll(List.of(mainAndArgs));
        Process p = new ProcessBuilder(cmd).redirectError(dir.resolve("stderr.txt").toFile()).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
        assertThat(p.exitValue()).as("stderr: %s", Files.readString(dir.resolve("stderr.txt"))).isZero();
        try (var files = Files.walk(cache)) {
            assertThat(files.anyMatch(f -> f.getFileName().toString().equals("libtorch_cpu.so"))).isTrue();
        }
        return out;
    }

    @Test
    void threadsAreSettable() {
        Engine.start(1);
        assertThat(Engine.threads()).isEqualTo(1);
        Engine.start(2);
        assertThat(Engine.threads()).isEqualTo(2);
        Engine.start(Runtime.getRuntime().availableProcessors());
    }
}
