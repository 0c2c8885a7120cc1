package org.resnet4j.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A class of the tests' classpath run in a JVM of its own, with its output in files, for multi-process tests. */
public final class ChildJvm {
    private final Process process;
    private final Path out;
    private final Path err;

    private ChildJvm(Process process, Path out, Path err) {
        this.process = process;
        this.out = out;
        this.err = err;
    }

    /** The command that runs {@code mainClass} with {@code args} on the tests' classpath. */
    public static List<String> command(String mainClass, List<String> args) {
        List<String> c = new ArrayList<>();
        c.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        c.add("-Xmx1g");
        c.add("-cp");
        c.add(System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
        c.add(mainClass);
        c.addAll(args);
        return c;
    }

    /** Starts {@code command} with {@code env} added; output to {@code name}.out/.err in {@code dir}. */
    public static ChildJvm start(Path dir, String name, Map<String, String> env, List<String> command)
            throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().putAll(env);
        Path out = dir.resolve(name + ".out");
        Path err = dir.resolve(name + ".err");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(
                Path.of("/dev/null").toFile()));
        return new ChildJvm(pb.start(), out, err);
    }

    /** resnet4j's command line ({@code Main}) with {@code args}. */
    public static ChildJvm resnet4j(Path dir, String name, Map<String, String> env, String... args)
            throws IOException {
        return start(dir, name, env, command("org.resnet4j.cli.Main", List.of(args)));
    }

    /** Waits (at most {@code minutes}) and returns the exit status; a process still running is killed. */
    public int await(int minutes) throws InterruptedException {
        if (!process.waitFor(minutes, TimeUnit.MINUTES)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly().waitFor();
            throw new AssertionError("still running after " + minutes + " min; stderr:\n" + err());
        }
        return process.exitValue();
    }

    public Process process() {
        return process;
    }

    public String out() {
        return read(out);
    }

    public String err() {
        return read(err);
    }

    private static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p) : "";
        } catch (IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }

    /** A TCP port nobody listens on just now. */
    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
