package org.resnet4j.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

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
        return PythonVenv.runWith(PYTHON, args);
    }
}
