package org.resnet4j.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The project's Python with PyTorch 2.13, onnx and onnxruntime: {@code $RESNET4J_PYTHON}, else
 * {@code .venv/bin/python} in the repository root (which CI creates), for the tests that check resnet4j's files
 * against those packages.
 */
public final class PythonVenv {
    private static Boolean available;

    private PythonVenv() {
    }

    public static Path python() {
        String env = System.getenv("RESNET4J_PYTHON");
        return env != null && !env.isBlank() ? Path.of(env) : Path.of(".venv", "bin", "python");
    }

    /** Whether that Python imports torch, onnx, onnxruntime and numpy. */
    public static synchronized boolean available() {
        if (available == null) {
            try {
                available = Files.isExecutable(python())
                        && run("-c", "import torch, onnx, onnxruntime, numpy; print('ok')").contains("ok");
            } catch (IOException | IllegalStateException e) {
                available = false;
            }
        }
        return available;
    }

    /** Why the tests that need it are skipped. */
    public static String missing() {
        return python() + " with torch, onnx and onnxruntime is not installed (set RESNET4J_PYTHON or create .venv)";
    }

    /** Runs {@code python args...} from the project root; returns its standard output. */
    public static String run(String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(python().toString());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).start();
        try {
            // stderr is drained on its own thread so that a chatty exporter cannot fill the pipe and stall stdout
            var err = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    return e.toString();
                }
            });
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(600, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", cmd) + " failed: " + err.join());
            }
            return new String(out, StandardCharsets.UTF_8);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        } finally {
            p.destroy();
        }
    }
}
