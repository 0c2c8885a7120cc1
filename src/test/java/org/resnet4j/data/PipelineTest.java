package org.resnet4j.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.MemoryFormat;
import org.junit.jupiter.api.Test;
import org.resnet4j.engine.Tensors;

class PipelineTest {
    private static final Normalization NORM = new Normalization(new float[] {0.5f, 0.25f, 0.1f},
            new float[] {0.2f, 0.3f, 0.4f});

    /** A 3×4×5 dataset whose pixel (c, y, x) of image i is distinct, so every move is visible. */
    private static Dataset grid(int n) {
        byte[] px = new byte[n * 60];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % 3;
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < 4; y++) {
                    for (int x = 0; x < 5; x++) {
                        px[i * 60 + c * 20 + y * 5 + x] = (byte) (1 + i + c * 60 + y * 10 + x);
                    }
                }
            }
        }
        return new InMemoryDataset(px, labels, 3, 4, 5, List.of("a", "b", "c"));
    }

    private static float norm(int c, int v) {
        return (v / 255f - NORM.mean()[c]) / NORM.std()[c];
    }

    private static int src(int i, int c, int y, int x) {
        return 1 + i + c * 60 + y * 10 + x;
    }

    @Test
    void unaugmentedBatchesAreTheNormalisedPixelsAndLabels() {
        Dataset d = grid(4);
        try (Batch b = new BatchBuilder(d, NORM).build(new int[] {2, 0, 3}, 0, 2)) {
            assertThat(Tensors.shape(b.images())).containsExactly(2, 3, 4, 5);
            float[] v = Tensors.toFloats(b.images());
            assertThat(v[0]).isEqualTo(norm(0, src(2, 0, 0, 0)));
            assertThat(v[60 + 2 * 20 + 3 * 5 + 4]).isEqualTo(norm(2, src(0, 2, 3, 4)));
            assertThat(Tensors.toLongs(b.labels())).containsExactly(2, 0);
        }
    }

    @Test
    void cropShiftsWithZeroFillAndFlipMirrors() {
        Dataset d = grid(1);
        Augmentation aug = new Augmentation(2, true, 0);
        BatchBuilder builder = new BatchBuilder(d, NORM, aug, false);
        // find draws, by the builder's own rule: dy, dx in [-2, 2], then a flip coin
        for (long seed = 0; seed < 40; seed++) {
            SplittableRandom probe = new SplittableRandom(seed);
            int dy = probe.nextInt(5) - 2;
            int dx = probe.nextInt(5) - 2;
            boolean flip = probe.nextBoolean();
            try (Batch b = builder.build(new int[] {0}, 0, 1, new SplittableRandom(seed))) {
                float[] v = Tensors.toFloats(b.images());
                for (int c = 0; c < 3; c++) {
                    for (int y = 0; y < 4; y++) {
                        for (int x = 0; x < 5; x++) {
                            int sy = y + dy;
                            int sx = (flip ? 4 - x : x) + dx;
                            float want = sy < 0 || sy >= 4 || sx < 0 || sx >= 5 ? norm(c, 0) : norm(c, src(0, c, sy, sx));
                            assertThat(v[c * 20 + y * 5 + x]).as("seed %d c%d y%d x%d", seed, c, y, x).isEqualTo(want);
                        }
                    }
                }
            }
        }
    }

    @Test
    void channelsLastHoldsTheSameValuesInNhwcOrder() {
        Dataset d = grid(3);
        int[] idx = {0, 1, 2};
        try (Batch a = new BatchBuilder(d, NORM, Augmentation.CIFAR, false).build(idx, 0, 3, new SplittableRandom(9));
             Batch b = new BatchBuilder(d, NORM, Augmentation.CIFAR, true).build(idx, 0, 3, new SplittableRandom(9))) {
            assertThat(b.images().is_contiguous(MemoryFormat.ChannelsLast)).isTrue();
            assertThat(Tensors.toFloats(b.images().contiguous())).containsExactly(Tensors.toFloats(a.images()));
        }
    }

    @Test
    void cutoutZeroesASquareInNormalisedSpace() {
        Dataset d = new InMemoryDataset(new byte[3 * 16 * 16], new int[] {0}, 3, 16, 16, List.of("x"));
        try (Batch b = new BatchBuilder(d, NORM, new Augmentation(0, false, 6), false)
                .build(new int[] {0}, 0, 1, new SplittableRandom(3))) {
            float[] v = Tensors.toFloats(b.images());
            int zeros = 0;
            for (float f : v) {
                zeros += f == 0f ? 1 : 0;
            }
            assertThat(zeros % 3).isZero();
            assertThat(zeros / 3).isBetween(9, 36); // a 6x6 square, clipped at the border
        }
    }

    @Test
    void aSeedGivesTheSameBatchesWithAnyNumberOfWorkersAndResumesMidEpoch() {
        Dataset d = Synthetic.create(70, 5, 3, 8, 8, 1);
        List<float[]> one = batches(d, 1, 2, 0);
        List<float[]> three = batches(d, 3, 2, 0);
        assertThat(three).hasSize(one.size());
        for (int i = 0; i < one.size(); i++) {
            assertThat(three.get(i)).as("batch %d", i).containsExactly(one.get(i));
        }
        List<float[]> tail = batches(d, 2, 2, 3);
        for (int i = 0; i < tail.size(); i++) {
            assertThat(tail.get(i)).containsExactly(one.get(i + 3));
        }
        assertThat(batches(d, 1, 3, 0).get(0)).isNotEqualTo(one.get(0));
    }

    private static List<float[]> batches(Dataset d, int workers, int epoch, int first) {
        DataLoader.Options o = new DataLoader.Options(16, true, false, workers, 4, 42, new Normalization(
                new float[] {0.5f, 0.5f, 0.5f}, new float[] {0.2f, 0.2f, 0.2f}), Augmentation.CIFAR, false);
        List<float[]> out = new ArrayList<>();
        try (DataLoader l = new DataLoader(d, o); DataLoader.BatchStream s = l.epoch(epoch, first)) {
            while (s.hasNext()) {
                try (Batch b = s.next()) {
                    out.add(Tensors.toFloats(b.images()));
                }
            }
        }
        return out;
    }

    @Test
    void everyEpochVisitsEveryImageOnceInANewOrder() {
        Dataset d = Synthetic.create(50, 5, 1, 2, 2, 1);
        DataLoader.Options o = new DataLoader.Options(8, true, true, 1, 2, 7, new Normalization(new float[] {0.5f},
                new float[] {0.2f}), Augmentation.NONE, false);
        try (DataLoader l = new DataLoader(d, o)) {
            assertThat(l.batchesPerEpoch()).isEqualTo(6);
            int[] e0 = l.order(0);
            int[] e1 = l.order(1);
            Set<Integer> seen = new HashSet<>();
            for (int i : e0) {
                seen.add(i);
            }
            assertThat(seen).hasSize(50);
            assertThat(e1).isNotEqualTo(e0);
            int images = 0;
            try (DataLoader.BatchStream s = l.epoch(0, 0)) {
                while (s.hasNext()) {
                    try (Tensor t = s.next().images()) {
                        images += (int) t.size(0);
                    }
                }
            }
            assertThat(images).isEqualTo(48); // drop last: 6 full batches of 8
        }
    }
}
