package org.resnet4j.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A validation set carved out of a training set, as the ResNet paper's 45k/5k split of CIFAR-10: seeded, and
 * optionally stratified so every class keeps its share.
 */
public record TrainValSplit(Dataset train, Dataset val, String description) {

    public static TrainValSplit carve(Dataset data, int valSize, long seed, boolean stratified) {
        if (valSize <= 0 || valSize >= data.size()) {
            throw new IllegalArgumentException("validation split must be between 1 and " + (data.size() - 1)
                    + " images, got " + valSize);
        }
        SplittableRandom rng = new SplittableRandom(seed);
        int[] val = stratified ? stratified(data, valSize, rng) : random(data.size(), valSize, rng);
        boolean[] inVal = new boolean[data.size()];
        for (int i : val) {
            inVal[i] = true;
        }
        int[] train = new int[data.size() - val.length];
        for (int i = 0, t = 0; i < data.size(); i++) {
            if (!inVal[i]) {
                train[t++] = i;
            }
        }
        String text = String.format("validation: %d of %d training images, %s, seed %d", val.length, data.size(),
                stratified ? "stratified by class" : "drawn at random", seed);
        return new TrainValSplit(new Subset(data, train), new Subset(data, val), text);
    }

    private static int[] random(int n, int k, SplittableRandom rng) {
        int[] perm = Shuffle.permutation(n, rng);
        int[] out = Arrays.copyOf(perm, k);
        Arrays.sort(out);
        return out;
    }

    /** Each class gives its share of {@code k}, the rounding remainders going to the largest fractions. */
    private static int[] stratified(Dataset data, int k, SplittableRandom rng) {
        int classes = data.numClasses();
        List<List<Integer>> byClass = new ArrayList<>();
        for (int c = 0; c < classes; c++) {
            byClass.add(new ArrayList<>());
        }
        for (int i = 0; i < data.size(); i++) {
            byClass.get(data.label(i)).add(i);
        }
        int[] quota = new int[classes];
        double[] remainder = new double[classes];
        int given = 0;
        for (int c = 0; c < classes; c++) {
            double exact = (double) k * byClass.get(c).size() / data.size();
            quota[c] = (int) Math.floor(exact);
            remainder[c] = exact - quota[c];
            given += quota[c];
        }
        while (given < k) {
            int best = 0;
            for (int c = 1; c < classes; c++) {
                if (remainder[c] > remainder[best]) {
                    best = c;
                }
            }
            quota[best]++;
            remainder[best] = -1;
            given++;
        }
        int[] out = new int[k];
        int o = 0;
        for (int c = 0; c < classes; c++) {
            List<Integer> members = byClass.get(c);
            int[] perm = Shuffle.permutation(members.size(), rng);
            for (int j = 0; j < quota[c]; j++) {
                out[o++] = members.get(perm[j]);
            }
        }
        Arrays.sort(out);
        return out;
    }
}
