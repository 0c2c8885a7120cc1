package org.resnet4j.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the scripts under tools/ with Debian's PyTorch, for the tests that check files against PyTorch itself. */
public final class PythonTorch {
    private static final Path PYTHON = Path.of("/usr/bin/python3");
    private static Boolean available;

    private PythonTorch() {
    }

    /** Whether {@code /usr/bin/python3} imports torch (Debian's python3-torch, which .ci/run installs). */
    public static synchronized boolean available() {
        if (available == null) {
            try {
                available = Files.isExecutable(PYTHON) && run("-c", "import torch, numpy; print('ok')").contains("ok");
            } catch (IOException | IllegalStateException e) {
                available = false;
            }
        }
        return available;
    }

    /** Runs {@code /usr/bin/python3 args...} from the project root; returns its standard output. */
    public static String run(String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(PYTHON.toString());
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
