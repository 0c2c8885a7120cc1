package org.resnet4j.eval;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.resnet4j.data.Batch;
import org.resnet4j.data.BatchSource;
import org.resnet4j.data.BatchStream;
import org.resnet4j.data.ImageDecoder;
import org.resnet4j.engine.Tensors;

/** Penultimate-layer embeddings of many images or a whole dataset, batch by batch. */
public final class FeatureExtractor {
    private static final ObjectMapper JSON = new ObjectMapper();

    private FeatureExtractor() {
    }

    /**
     * Features, one row per image, with the images' labels (datasets) or names (files), and the model's class
     * names.
     */
    public record Features(float[][] features, long[] labels, List<String> names, List<String> classNames,
            String model) {

        public Tensor featureTensor() {
            int n = features.length;
            int f = n == 0 ? 0 : features[0].length;
            float[] flat = new float[n * f];
            for (int i = 0; i < n; i++) {
                System.arraycopy(features[i], 0, flat, i * f, f);
            }
            return Tensors.fromFloats(flat, n, f);
        }

        public Tensor labelTensor() {
            return Tensors.fromLongs(labels, labels.length);
        }

        /** The safetensors metadata: model, class names and (for files) the image names, as JSON strings. */
        public Map<String, String> metadata() {
            Map<String, String> m = new LinkedHashMap<>();
            m.put("model", model);
            ArrayNode classes = JSON.createArrayNode();
            classNames.forEach(classes::add);
            m.put("class_names", classes.toString());
            if (names != null) {
                ArrayNode files = JSON.createArrayNode();
                names.forEach(files::add);
                m.put("files", files.toString());
            }
            return m;
        }
    }

    /**
     * Features of image files, decoded a batch at a time; a file that cannot be read goes to {@code skipped} with its
     * error and is left out.
     */
    public static Features ofFiles(Predictor p, List<Path> files, int batchSize,
            BiConsumer<Path, IOException> skipped) {
        List<float[]> rows = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (int from = 0; from < files.size(); from += batchSize) {
            List<BufferedImage> images = new ArrayList<>();
            for (Path f : files.subList(from, Math.min(files.size(), from + batchSize))) {
                try {
                    images.add(ImageDecoder.read(f));
                    names.add(f.toString());
                } catch (IOException e) {
                    skipped.accept(f, e);
                }
            }
            if (!images.isEmpty()) {
                rows.addAll(List.of(p.features(images)));
            }
        }
        return new Features(rows.toArray(new float[0][]), null, names, p.classNames(), p.model().options().name());
    }

    /**
     * Features of the images of {@code source}'s epoch 0 (a dataset split, normalised as {@code p} expects), with
     * their labels.
     */
    public static Features ofBatches(Predictor p, BatchSource source) {
        List<float[]> rows = new ArrayList<>();
        List<Long> labels = new ArrayList<>();
        try (BatchStream batches = source.epoch(0, 0)) {
            while (batches.hasNext()) {
                try (PointerScope scope = new PointerScope(); Batch b = batches.next()) {
                    if (b.size() == 0) {
                        continue;
                    }
                    rows.addAll(List.of(p.features(b.images())));
                    for (long l : Tensors.toLongs(b.labels())) {
                        labels.add(l);
                    }
                }
            }
        }
        return new Features(rows.toArray(new float[0][]), labels.stream().mapToLong(Long::longValue).toArray(), null,
                source.classNames(), p.model().options().name());
    }
}
