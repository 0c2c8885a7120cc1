package org.resnet4j.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.resnet4j.data.DataFormatException;
import org.resnet4j.train.MetricsRow;
import org.resnet4j.train.RunDirectory;
import org.resnet4j.train.TrainConfig;

/**
 * What a run folder holds, read back: its configuration (null when the folder has none), per-epoch metrics, and the
 * best epoch's confusion matrix.
 */
public record RunRecord(Path dir, TrainConfig config, List<MetricsRow> metrics, Confusion confusion) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A confusion matrix with its class names, epoch and split. */
    public record Confusion(int epoch, String split, List<String> classNames, long[][] matrix) {
    }

    public static RunRecord read(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new NoSuchFileException(dir.toString(), null, "no such run folder");
        }
        Path metricsFile = dir.resolve(RunDirectory.METRICS);
        if (!Files.isRegularFile(metricsFile)) {
            throw new NoSuchFileException(metricsFile.toString(), null, "the run folder has no metrics (has any epoch"
                    + " finished?)");
        }
        List<MetricsRow> rows = parseMetrics(metricsFile);
        if (rows.isEmpty()) {
            throw new DataFormatException(metricsFile + ": no epochs recorded yet");
        }
        Path configFile = dir.resolve(RunDirectory.CONFIG);
        TrainConfig config;
        try {
            config = Files.isRegularFile(configFile) ? TrainConfig.fromJson(Files.readString(configFile)) : null;
        } catch (IllegalArgumentException e) {
            throw new DataFormatException(configFile + ": " + e.getMessage());
        }
        Confusion confusion = null;
        Path cf = dir.resolve(RunDirectory.CONFUSION);
        if (Files.isRegularFile(cf)) {
            JsonNode c = JSON.readTree(cf.toFile());
            List<String> names = new ArrayList<>();
            c.path("class_names").forEach(n -> names.add(n.asText()));
            JsonNode m = c.path("matrix");
            long[][] matrix = new long[m.size()][];
            for (int i = 0; i < m.size(); i++) {
                matrix[i] = new long[m.get(i).size()];
                for (int j = 0; j < matrix[i].length; j++) {
                    matrix[i][j] = m.get(i).get(j).asLong();
                }
            }
            confusion = new Confusion(c.path("epoch").asInt(), c.path("split").asText("test"), names, matrix);
        }
        return new RunRecord(dir, config, rows, confusion);
    }

    static List<MetricsRow> parseMetrics(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file);
        if (lines.isEmpty() || !lines.get(0).startsWith(MetricsRow.CSV_HEADER)) {
            throw new DataFormatException(file + ": not a resnet4j metrics.csv (expected the header "
                    + MetricsRow.CSV_HEADER + ")");
        }
        boolean val = lines.get(0).contains(MetricsRow.CSV_VAL);
        List<MetricsRow> rows = new ArrayList<>();
        for (int i = 1; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) {
                continue;
            }
            String[] f = lines.get(i).split(",");
            try {
                rows.add(new MetricsRow(Integer.parseInt(f[0]), d(f[1]), d(f[2]), d(f[3]), val ? d(f[8]) : Double.NaN,
                        val ? d(f[9]) : Double.NaN, d(f[4]), d(f[5]), d(f[6]), d(f[7])));
            } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
                throw new DataFormatException(file + ": line " + (i + 1) + " is not a metrics row: " + lines.get(i));
            }
        }
        return rows;
    }

    private static double d(String s) {
        return Double.parseDouble(s);
    }

    public MetricsRow last() {
        return metrics.get(metrics.size() - 1);
    }

    public MetricsRow bestByAccuracy() {
        boolean val = metrics.stream().anyMatch(MetricsRow::hasVal);
        MetricsRow best = metrics.get(0);
        for (MetricsRow r : metrics) {
            if ((val ? r.valAcc() : r.testAcc()) > (val ? best.valAcc() : best.testAcc())) {
                best = r;
            }
        }
        return best;
    }
}
