package org.resnet4j.train;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.resnet4j.eval.EvalResult;
import org.resnet4j.io.AtomicFile;

/**
 * A run's folder: {@code config.json}, {@code metrics.csv} (one row per epoch), the {@code last.ckpt} and
 * {@code best.ckpt} checkpoints, the previous {@code last.ckpt} as {@code last.prev.ckpt}, and {@code train.log}.
 * Files are replaced atomically, so a crash at any moment leaves each one whole.
 */
public final class RunDirectory {
    public static final String CONFIG = "config.json";
    public static final String METRICS = "metrics.csv";
    public static final String LAST = "last.ckpt";
    public static final String BEST = "best.ckpt";
    /** What last.ckpt held before its latest save, to fall back on should last.ckpt be damaged. */
    public static final String LAST_PREV = "last.prev.ckpt";
    /** The checkpoints a run may continue from, newest first when all are whole. */
    public static final List<String> CHECKPOINTS = List.of(LAST, LAST_PREV, BEST);
    public static final String LOG = "train.log";
    /** The test-set confusion matrix of the best epoch so far. */
    public static final String CONFUSION = "confusion.json";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path root;
    /** False for the processes of a distributed run other than rank 0: they read the folder, rank 0 writes it. */
    private final boolean writes;
    private final List<PrintWriter> logs = new ArrayList<>();

    private RunDirectory(Path root, boolean writes) {
        this.root = root;
        this.writes = writes;
    }

    /**
     * The folder of a run that rank 0 of a distributed run writes, seen from another rank: every write is left to
     * rank 0, and the folder need not exist on this machine unless the run resumes from it.
     */
    public static RunDirectory replica(Path root) {
        return new RunDirectory(root, false);
    }

    /** This folder, seen by a process that only reads it ({@link #replica}). */
    public RunDirectory readOnly() {
        return new RunDirectory(root, false);
    }

    /** Whether this process writes the folder's files (rank 0, or a process on its own). */
    public boolean writes() {
        return writes;
    }

    /**
     * A folder for a new run. One that holds a checkpoint is refused, so no run that can be continued is ever
     * overwritten; one whose run stopped before its first checkpoint (a crash, a full disk) is started afresh, its
     * log continued.
     */
    public static RunDirectory create(Path root) throws IOException {
        if (Files.exists(root) && !Files.isDirectory(root)) {
            throw new IOException(root + " exists and is not a folder");
        }
        for (String f : CHECKPOINTS) {
            if (Files.exists(root.resolve(f))) {
                throw new IllegalArgumentException(root + " already holds a run (" + f + "); continue it with --resume "
                        + root + " or choose another --out");
            }
        }
        Files.createDirectories(root);
        return new RunDirectory(root, true);
    }

    /**
     * A note when {@code root} holds what a run left before its first checkpoint (which {@link #create} starts
     * afresh), or null.
     */
    public static String leftovers(Path root) {
        if (!Files.isRegularFile(root.resolve(METRICS)) && !Files.isRegularFile(root.resolve(CONFIG))) {
            return null;
        }
        return root + " held a run that stopped before its first checkpoint; starting it afresh here (train.log"
                + " goes on, metrics.csv and config.json are replaced)";
    }

    /** The folder of a run to continue (which may hold no checkpoint yet: see {@link #hasCheckpoint}). */
    public static RunDirectory existing(Path root) throws IOException {
        if (!Files.isDirectory(root)) {
            throw new NoSuchFileException(root.toString(), null, Files.exists(root)
                    ? "not a run folder (a file)" : "no such run folder");
        }
        return new RunDirectory(root, true);
    }

    /** Whether {@code root} is a run folder holding a checkpoint (whole or not). */
    public static boolean holdsCheckpoint(Path root) {
        return CHECKPOINTS.stream().anyMatch(f -> Files.exists(root.resolve(f)));
    }

    /** Whether any checkpoint lies in the folder (whole or not). */
    public boolean hasCheckpoint() {
        return CHECKPOINTS.stream().anyMatch(f -> Files.exists(path(f)));
    }

    /** The configuration the run recorded in config.json. */
    public TrainConfig readConfig() throws IOException {
        Path p = path(CONFIG);
        if (!Files.isRegularFile(p)) {
            throw new NoSuchFileException(root.toString(), null, "not a run folder (no checkpoint and no "
                    + CONFIG + ")");
        }
        try {
            return TrainConfig.fromJson(Files.readString(p));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(p + ": " + e.getMessage(), e);
        }
    }

    /** Removes the folder of a run that failed to start (it holds at most the log). */
    void delete() throws IOException {
        if (!writes) {
            return;
        }
        Files.deleteIfExists(path(LOG));
        Files.deleteIfExists(root);
    }

    public Path root() {
        return root;
    }

    public Path path(String name) {
        return root.resolve(name);
    }

    public void writeConfig(TrainConfig config) throws IOException {
        if (!writes) {
            return;
        }
        AtomicFile.writeString(path(CONFIG), config.toJson() + "\n");
    }

    /** Rewrites metrics.csv with every finished epoch; the checkpoint holds the same history. */
    public void writeMetrics(List<MetricsRow> rows) throws IOException {
        if (!writes) {
            return;
        }
        boolean withVal = rows.stream().anyMatch(MetricsRow::hasVal);
        boolean withEma = rows.stream().anyMatch(MetricsRow::hasEma);
        StringBuilder b = new StringBuilder(MetricsRow.CSV_HEADER).append(withVal ? MetricsRow.CSV_VAL : "")
                .append(withEma ? MetricsRow.CSV_EMA : "").append('\n');
        for (MetricsRow r : rows) {
            b.append(r.csv(withVal, withEma)).append('\n');
        }
        AtomicFile.writeString(path(METRICS), b.toString());
    }

    public void writeConfusion(EvalResult r, int epoch, String split) throws IOException {
        if (!writes) {
            return;
        }
        ObjectNode o = JSON.createObjectNode();
        o.put("epoch", epoch);
        o.put("split", split);
        r.classNames().forEach(o.putArray("class_names")::add);
        ArrayNode m = o.putArray("matrix");
        for (long[] row : r.confusion()) {
            ArrayNode a = m.addArray();
            for (long v : row) {
                a.add(v);
            }
        }
        AtomicFile.writeString(path(CONFUSION), o.toString() + "\n");
    }

    /** The log, appended to (a resumed run continues it); the folder closes it on {@link #closeLogs()}. */
    public PrintWriter openLog() throws IOException {
        if (!writes) {
            return new PrintWriter(Writer.nullWriter());
        }
        PrintWriter w = new PrintWriter(Files.newBufferedWriter(path(LOG), StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND), true);
        logs.add(w);
        return w;
    }

    void closeLogs() {
        logs.forEach(PrintWriter::close);
        logs.clear();
    }
}
