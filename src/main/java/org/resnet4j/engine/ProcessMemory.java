package org.resnet4j.engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** This process's resident memory as Linux reports it (JVM heap, native tensors and libraries together). */
public final class ProcessMemory {
    private ProcessMemory() {
    }

    /** Resident set size now (VmRSS), in bytes, or -1 where /proc is not available. */
    public static long resident() {
        return field("VmRSS:");
    }

    /** The most resident memory held so far (VmHWM), in bytes, or -1. */
    public static long peakResident() {
        return field("VmHWM:");
    }

    private static long field(String name) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(name)) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }
}
