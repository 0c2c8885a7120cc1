package org.resnet4j.dist;

import org.resnet4j.eval.EvalResult;

/** Evaluation results of the ranks' shares of a split, added up into the whole split's. */
public final class ShardedResults {
    private ShardedResults() {
    }

    /** {@code mine} summed with the other ranks' results on their shares of the data; itself in a process on its own. */
    public static EvalResult combined(EvalResult mine, WorkerGroup group, String during) {
        if (!group.isDistributed()) {
            return mine;
        }
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
        sums = group.sum(during, sums);
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

}
