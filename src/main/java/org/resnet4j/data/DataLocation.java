package org.resnet4j.data;

import java.nio.file.Path;

/** Where datasets lie: the explicit directory, else {@code $RESNET4J_DATA}, else {@code ./data}. */
public final class DataLocation {
    public static final String ENV = "RESNET4J_DATA";

    private DataLocation() {
    }

    public static Path resolve(Path explicit) {
        if (explicit != null) {
            return explicit;
        }
        String env = System.getenv(ENV);
        return env != null && !env.isBlank() ? Path.of(env) : Path.of("data");
    }
}
