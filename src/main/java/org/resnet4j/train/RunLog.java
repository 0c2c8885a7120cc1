package org.resnet4j.train;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Locale;

import org.resnet4j.engine.ProcessMemory;

/** Writes what a run reports into its train.log: the description, the epoch lines, checkpoints and notes. */
final class RunLog implements TrainListener {
    private final PrintWriter log;

    RunLog(PrintWriter log) {
        this.log = log;
    }

    @Override
    public void started(List<String> description) {
        log.println("--- " + OffsetDateTime.now());
        description.forEach(log::println);
    }

    @Override
    public void epochEnded(MetricsRow row, String[] lines) {
        for (String l : lines) {
            log.println(l);
        }
        log.println(String.format(Locale.ROOT, "  lr %.6g, %.1f s, %.1f images/s, resident memory %d MiB (peak"
                + " %d MiB)", row.lr(), row.seconds(), row.imagesPerSecond(), ProcessMemory.resident() >> 20,
                ProcessMemory.peakResident() >> 20));
    }

    @Override
    public void checkpointSaved(Path path, String why) {
        log.println("checkpoint " + path.getFileName() + " (" + why + ")");
    }

    @Override
    public void message(String line) {
        log.println(line);
    }
}
