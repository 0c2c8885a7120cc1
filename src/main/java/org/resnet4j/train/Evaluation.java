package org.resnet4j.train;

import org.resnet4j.data.BatchSource;
import org.resnet4j.eval.EvalResult;
import org.resnet4j.eval.Evaluator;
import org.resnet4j.model.ResNet;
import org.resnet4j.dist.WorkerGroup;

/**
 * The evaluation after every epoch: on the validation split when there is one (it picks the best checkpoint), and on
 * the test split; {@code sampled} when each is a fixed sample rather than the whole split.
 */
public record Evaluation(BatchSource val, BatchSource test, Evaluator evaluator, boolean sampled) {

    /**
     * Evaluates {@code net} on this process's share of {@code data}; in a distributed run each rank evaluates its own
     * images and the sums are added up, so every image counts once.
     */
    EvalResult run(ResNet net, String split, BatchSource data, TrainListener listener, WorkerGroup group) {
        listener.evaluationStarted(split, (int) data.images());
        EvalResult r = evaluator.evaluate(net, data, done -> listener.evaluationProgress(split, done));
        listener.evaluationDone(split);
        return group.isDistributed() ? combined(r, group, split) : r;
    }

    /** {@code mine} summed with the other ranks' results on their shares of the split. */
    static EvalResult combined(EvalResult mine, WorkerGroup group, String split) {
        int k = mine.confusion().length;
        double[] sums = new double[3 + k * k];
        sums[0] = mine.n() == 0 ? 0 : mine.loss() * mine.n();
        sums[1] = mine.top5() * mine.n();
        sums[2] = mine.n();
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                sums[3 + i * k + j] = mine.confusion()[i][j];
            }
        }
        sums = group.sum("the " + split + " evaluation", sums);
        long n = Math.round(sums[2]);
        long[][] confusion = new long[k][k];
        long correct = 0;
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                confusion[i][j] = Math.round(sums[3 + i * k + j]);
            }
            correct += confusion[i][i];
        }
        return new EvalResult(n == 0 ? Double.NaN : sums[0] / n, (double) correct / n, Math.round(sums[1]) / (double) n,
                n, confusion, mine.classNames(), mine.flipTta());
    }

    void close() {
        if (val != null) {
            val.close();
        }
        test.close();
    }
}
