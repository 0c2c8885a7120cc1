package org.resnet4j.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The Python of the project's venv ({@code $RESNET4J_PYTHON}, else {@code <repo>/.venv/bin/python}), for tests
 * that compare with Pillow or PyTorch 2.x. Tests skip, with the reason, when it or a module is missing.
 */
public final class PythonVenv {
    private static final Map<String, Boolean> MODULES = new HashMap<>();

    private PythonVenv() {
    }

    public static Path python() {
        String env = System.getenv("RESNET4J_PYTHON");
        return env != null && !env.isBlank() ? Path.of(env) : Path.of(".venv", "bin", "python").toAbsolutePath();
    }

    /** Whether the venv's Python imports every one of {@code modules}. */
    public static synchronized boolean has(String... modules) {
        String key = String.join(",", modules);
        return MODULES.computeIfAbsent(key, k -> {
            try {
                return Files.isExecutable(python()) && run("-c", "import " + k + "; print('ok')").contains("ok");
            } catch (IOException | IllegalStateException e) {
                return false;
            }
        });
    }

    /** Why tests needing {@code modules} skip. */
    public static String missing(String... modules) {
        return "needs " + python() + " with " + String.join(", ", modules) + " (set RESNET4J_PYTHON or create .venv)";
    }

    /** Runs the venv's Python with {@code args} from the project root; returns standard output. */
    public static String run(String... args) throws IOException {
        return runWith(python(), args);
    }

    /** Runs {@code python args...} from the project root; returns standard output, or fails with its stderr. */
    static String runWith(Path python, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(python.toString());
        cmd.addAll(List.of(args));
        // stderr to a file: read after stdout from a pipe, more than a pipe's 64 KB of warnings would block both sides
        Path errFile = Files.createTempFile("resnet4j-python-", ".err");
        try {
            Process p = new ProcessBuilder(cmd).redirectError(errFile.toFile()).start();
            try {
                byte[] out = p.getInputStream().readAllBytes();
                if (!p.waitFor(300, TimeUnit.SECONDS) || p.exitValue() != 0) {
                    throw new IllegalStateException(String.join(" ", cmd) + " failed: "
                            + new String(Files.readAllBytes(errFile), StandardCharsets.UTF_8));
                }
                return new String(out, StandardCharsets.UTF_8);
            } finally {
                p.destroy();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        } finally {
            Files.deleteIfExists(errFile);
        }
    }
}
