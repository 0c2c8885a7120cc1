package org.resnet4j.eval;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.resnet4j.data.ImageDecoder;

/**
 * Classifies image files in batches and hands each result on as soon as its batch is done, so a long run shows
 * results as it goes and a failure never costs the results before it. Each file is checked on its own: its header
 * against the pixel limit ({@link org.resnet4j.data.ImageLimits}) before it is decoded, then decoded and at once
 * reduced to the model's input size, so a batch holds a few kilobytes per image whatever the files' sizes; an
 * unreadable, truncated, oversized or memory-exhausting file is reported and skipped.
 */
public final class FilePredictor {
    /** Receives results in file order within each batch; failures as they happen. */
    public interface Sink {
        void prediction(Path file, Predictor.Prediction prediction);

        void failure(Path file, String message);
    }

    /** How a file becomes a decoded image; replaceable so that tests can fail one file in a chosen way. */
    @FunctionalInterface
    interface Decoder {
        BufferedImage decode(Path file) throws IOException;
    }

    private final Predictor predictor;
    private final int batchSize;
    private final Decoder decoder;

    public FilePredictor(Predictor predictor, int batchSize) {
        this(predictor, batchSize, ImageDecoder::read);
    }

    FilePredictor(Predictor predictor, int batchSize, Decoder decoder) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("the batch size must be at least 1, got " + batchSize);
        }
        this.predictor = predictor;
        this.batchSize = batchSize;
        this.decoder = decoder;
    }

    /** Classifies {@code files}; returns how many failed. */
    public int run(List<Path> files, int topK, Sink sink) {
        if (topK < 1) {
            throw new IllegalArgumentException("top-k must be at least 1, got " + topK);
        }
        int failures = 0;
        List<Path> names = new ArrayList<>(batchSize);
        List<byte[]> inputs = new ArrayList<>(batchSize);
        for (Path f : files) {
            byte[] input = prepare(f, sink);
            if (input == null) {
                failures++;
                continue;
            }
            names.add(f);
            inputs.add(input);
            if (inputs.size() == batchSize) {
                failures += flush(names, inputs, topK, sink);
            }
        }
        return failures + flush(names, inputs, topK, sink);
    }

    /** The file at the model's input size, or null after telling the sink why not. */
    private byte[] prepare(Path file, Sink sink) {
        try {
            return predictor.prepare(decoder.decode(file));
        } catch (IOException | RuntimeException e) {
            sink.failure(file, message(file, e));
        } catch (OutOfMemoryError e) { // the decoded image is unreachable again: the next file has the memory back
            sink.failure(file, file + ": out of memory decoding this image; lower --max-image-pixels or give Java"
                    + " more memory (-Xmx)");
        }
        return null;
    }

    /** Runs and reports the pending batch; if it fails as a whole, each image again on its own. */
    private int flush(List<Path> names, List<byte[]> inputs, int topK, Sink sink) {
        if (inputs.isEmpty()) {
            return 0;
        }
        int failures = 0;
        try {
            List<Predictor.Prediction> ps = predictor.predictPrepared(inputs, topK);
            for (int i = 0; i < ps.size(); i++) {
                sink.prediction(names.get(i), ps.get(i));
            }
        } catch (RuntimeException | OutOfMemoryError batchFailure) {
            for (int i = 0; i < inputs.size(); i++) {
                try {
                    sink.prediction(names.get(i), predictor.predictPrepared(List.of(inputs.get(i)), topK).get(0));
                } catch (RuntimeException | OutOfMemoryError e) {
                    sink.failure(names.get(i), message(names.get(i), e));
                    failures++;
                }
            }
        }
        names.clear();
        inputs.clear();
        return failures;
    }

    private static String message(Path file, Throwable e) {
        if (e instanceof NoSuchFileException) {
            return file + ": no such file";
        }
        if (e instanceof AccessDeniedException) {
            return file + ": permission denied";
        }
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return file + ": " + f.getReason();
        }
        String m = e.getMessage() == null ? e.getClass().getSimpleName()
                : e.getMessage().strip().lines().findFirst().orElse("");
        return m.contains(file.toString()) ? m : file + ": " + m;
    }
}
