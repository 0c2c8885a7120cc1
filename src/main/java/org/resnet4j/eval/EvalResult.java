package org.resnet4j.eval;

import java.util.ArrayList;
import java.util.List;

import org.resnet4j.data.Dataset;

/**
 * Mean cross-entropy loss and top-1 / top-5 accuracy (fractions) over {@code n} images, with the confusion matrix
 * (rows: true class, columns: predicted class) and whether flip test-time augmentation was used.
 */
public record EvalResult(double loss, double top1, double top5, long n, long[][] confusion, List<String> classNames,
        boolean flipTta) {

    /** One class's figures, treating it as one-versus-rest. */
    public record ClassMetrics(String name, long support, double precision, double recall, double f1,
            double accuracy) {
    }

    public List<ClassMetrics> perClass() {
        int k = confusion.length;
        long total = 0;
        for (long[] row : confusion) {
            for (long v : row) {
                total += v;
            }
        }
        ArrayList<ClassMetrics> out = new ArrayList<>();
        for (int c = 0; c < k; c++) {
            long tp = confusion[c][c];
            long support = 0;
            long predicted = 0;
            for (int j = 0; j < k; j++) {
                support += confusion[c][j];
                predicted += confusion[j][c];
            }
            long fp = predicted - tp;
            long fn = support - tp;
            long tn = total - tp - fp - fn;
            double precision = predicted == 0 ? 0 : (double) tp / predicted;
            double recall = support == 0 ? 0 : (double) tp / support;
            double f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
            double accuracy = total == 0 ? 0 : (double) (tp + tn) / total;
            out.add(new ClassMetrics(Dataset.padClassNames(classNames, k).get(c), support, precision, recall, f1,
                    accuracy));
        }
        return out;
    }
}
