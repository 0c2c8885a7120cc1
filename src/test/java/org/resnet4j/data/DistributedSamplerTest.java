package org.resnet4j.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnet4j.data.stream.BadImages;
import org.resnet4j.data.stream.FolderIndex;
import org.resnet4j.data.stream.FolderSource;
import org.resnet4j.data.stream.StreamingFolderTest;
import org.resnet4j.data.stream.StreamingLoader;
import org.resnet4j.data.transform.OutputLayout;
import org.resnet4j.data.transform.TrainTransform;
import org.resnet4j.engine.Tensors;

class DistributedSamplerTest {
    private static final Normalization NORM = new Normalization(new float[] {0.5f}, new float[] {0.5f});

    @Test
    void everyImageOncePerEpochAcrossRanksPlusPadding() {
        for (int world : new int[] {1, 2, 3, 4, 7}) {
            for (int n : new int[] {1, 10, 11, 12, 13, 100}) {
                int[] order = Shuffle.permutation(n, 42);
                Map<Integer, Integer> seen = new HashMap<>();
                int per = -1;
                for (int r = 0; r < world; r++) {
                    int[] mine = DistributedSampler.training(r, world).shard(order);
                    per = per < 0 ? mine.length : per;
                    assertThat(mine).as("every rank takes as many").hasSize(per);
                    for (int i : mine) {
                        seen.merge(i, 1, Integer::sum);
                    }
                }
                assertThat(per).isEqualTo((n + world - 1) / world);
                assertThat(seen.keySet()).as("n=%d world=%d", n, world).hasSize(n);
                int padding = per * world - n;
                assertThat(seen.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(n + padding);
                // the padding repeats the order from its beginning, as torch's DistributedSampler does
                int total = per * world;
                for (int k = 0; k < n; k++) {
                    assertThat(seen.get(order[k])).isEqualTo(total / n + (k < total % n ? 1 : 0));
                }
            }
        }
    }

    @Test
    void rankTakesEveryWorldthPositionFromItsRank() {
        int[] order = {9, 8, 7, 6, 5, 4, 3};
        assertThat(DistributedSampler.training(0, 3).shard(order)).containsExactly(9, 6, 3);
        assertThat(DistributedSampler.training(1, 3).shard(order)).containsExactly(8, 5, 9);
        assertThat(DistributedSampler.training(2, 3).shard(order)).containsExactly(7, 4, 8);
    }

    @Test
    void evaluationCountsEachImageExactlyOnce() {
        for (int world : new int[] {2, 3, 4}) {
            int n = 10;
            int[] order = IntStream.range(0, n).toArray();
            List<Integer> all = new ArrayList<>();
            for (int r = 0; r < world; r++) {
                DistributedSampler s = DistributedSampler.evaluation(r, world);
                int[] mine = s.shard(order);
                assertThat(mine).hasSize(s.size(n));
                Arrays.stream(mine).forEach(all::add);
            }
            assertThat(all).hasSize(n).containsExactlyInAnyOrderElementsOf(IntStream.range(0, n).boxed().toList());
        }
    }

    @Test
    void loadersShareOnePermutationPerEpochThatChangesWithTheEpoch() {
        Dataset data = Synthetic.create(50, 3, 1, 4, 4, 1);
        int[][] epoch0 = new int[2][];
        for (int r = 0; r < 2; r++) {
            try (DataLoader l = new DataLoader(data, DataLoader.Options.training(4, 7, NORM, Augmentation.NONE)
                    .sharedBy(DistributedSampler.training(r, 2)))) {
                epoch0[r] = l.order(0);
                assertThat(l.batchesPerEpoch()).isEqualTo(7); // 25 images per rank
                assertThat(l.order(1)).isNotEqualTo(l.order(0));
                assertThat(l.order(0)).isEqualTo(l.order(0));
            }
        }
        int[] whole;
        try (DataLoader l = new DataLoader(data, DataLoader.Options.training(4, 7, NORM, Augmentation.NONE))) {
            whole = l.order(0);
        }
        assertThat(epoch0[0]).containsExactly(DistributedSampler.training(0, 2).shard(whole));
        assertThat(epoch0[1]).containsExactly(DistributedSampler.training(1, 2).shard(whole));
    }

    @Test
    void refusesARankOutsideTheWorld() {
        assertThatThrownBy(() -> DistributedSampler.training(2, 2)).hasMessageContaining("rank 2 outside a world of 2");
        assertThatThrownBy(() -> DistributedSampler.training(0, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * torchvision's RASampler: the epoch's permutation with every image repeated R times in a row, padded from its
     * beginning to a multiple of the world, rank r taking positions r, r + world, ...; each rank stops after n / world
     * images (torchvision's n // 256 * 256 / world, without the rounding to 256 images).
     */
    @Test
    void repeatedAugmentationAsTorchvisionsRaSampler() {
        int[] order = {40, 41, 42, 43, 44, 45, 46, 47};
        // reps 4, world 2: the repeated list 40 40 40 40 41 41 41 41 42 ..., rank 0 the even positions
        assertThat(DistributedSampler.training(0, 2).withRepetitions(4).shard(order)).containsExactly(40, 40, 41, 41);
        assertThat(DistributedSampler.training(1, 2).withRepetitions(4).shard(order)).containsExactly(40, 40, 41, 41);
        // reps 3, world 3: each rank one copy of each of the first images
        for (int r = 0; r < 3; r++) {
            assertThat(DistributedSampler.training(r, 3).withRepetitions(3).shard(order)).containsExactly(40, 41);
        }
        // one process: the copies in a row, an epoch as long as without repetition
        assertThat(DistributedSampler.WHOLE.withRepetitions(3).shard(order)).containsExactly(40, 40, 40, 41, 41, 41,
                42, 42);
        for (int world : new int[] {1, 2, 3, 4, 5}) {
            for (int reps : new int[] {2, 3, 4}) {
                for (int n : new int[] {7, 13, 100}) {
                    int[] perm = Shuffle.permutation(n, 9);
                    // image -> the (rank, copy) pairs it went to
                    Map<Integer, List<int[]>> where = new HashMap<>();
                    for (int r = 0; r < world; r++) {
                        DistributedSampler s = DistributedSampler.training(r, world).withRepetitions(reps);
                        int[] mine = s.shard(perm);
                        assertThat(mine).hasSize(n / world).hasSize(s.size(n));
                        for (int k = 0; k < mine.length; k++) {
                            where.computeIfAbsent(mine[k], i -> new ArrayList<>()).add(new int[] {r, s.repetition(k)});
                        }
                    }
                    int taken = n / world * world;
                    // the first ceil(taken / reps) images of the permutation, each at most reps times
                    assertThat(where.keySet()).containsExactlyInAnyOrderElementsOf(Arrays.stream(perm)
                            .limit((taken + reps - 1) / reps).boxed().toList());
                    for (List<int[]> copies : where.values()) {
                        assertThat(copies.size()).isLessThanOrEqualTo(reps);
                        assertThat(copies.stream().map(c -> c[1]).distinct().count()).as("copy numbers differ")
                                .isEqualTo(copies.size());
                        if (world >= reps) {
                            assertThat(copies.stream().map(c -> c[0]).distinct().count()).as("on different ranks")
                                    .isEqualTo(copies.size());
                        }
                    }
                }
            }
        }
        assertThat(DistributedSampler.training(1, 2).withRepetitions(4).forEvaluation().repetitions()).isEqualTo(1);
        assertThatThrownBy(() -> DistributedSampler.WHOLE.withRepetitions(0)).hasMessageContaining("at least 1");
    }

    /** The copies of an image in one epoch are augmented with different draws, within a rank and across ranks. */
    @Test
    void repeatedCopiesAreAugmentedDifferently() {
        Dataset data = Synthetic.create(16, 2, 3, 8, 8, 1);
        Normalization norm = new Normalization(new float[] {0.5f, 0.5f, 0.5f}, new float[] {0.5f, 0.5f, 0.5f});
        float[][] first = new float[2][];
        int[][] orders = new int[2][];
        for (int r = 0; r < 2; r++) {
            try (DataLoader l = new DataLoader(data, DataLoader.Options.training(4, 3, norm, Augmentation.CIFAR)
                    .sharedBy(DistributedSampler.training(r, 2).withRepetitions(2)));
                    BatchStream s = l.epoch(0, 0); Batch b = s.next()) {
                assertThat(l.batchesPerEpoch()).isEqualTo(2); // 8 images per rank, as without repetition
                first[r] = Tensors.toFloats(b.images().select(0, 0));
                orders[r] = l.order(0);
            }
        }
        assertThat(orders[0]).isEqualTo(orders[1]);
        assertThat(first[0]).as("copy 0 on rank 0, copy 1 on rank 1").isNotEqualTo(first[1]);
        try (DataLoader l = new DataLoader(data, DataLoader.Options.training(4, 3, norm, Augmentation.CIFAR)
                .sharedBy(DistributedSampler.WHOLE.withRepetitions(4)));
                BatchStream s = l.epoch(0, 0); Batch b = s.next()) {
            int[] order = l.order(0);
            assertThat(order[0]).isEqualTo(order[3]);
            List<float[]> copies = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                copies.add(Tensors.toFloats(b.images().select(0, i)));
            }
            assertThat(copies.stream().map(Arrays::hashCode).distinct().count()).isGreaterThan(1);
        }
    }

    @Test
    void streamedCopiesAreAugmentedDifferently(@TempDir Path dir) throws IOException {
        FolderIndex idx = FolderIndex.build(StreamingFolderTest.folder(dir.resolve("train"), 2), null, 1);
        OutputLayout layout = new OutputLayout(new Normalization(new float[] {0.5f, 0.5f, 0.5f},
                new float[] {0.5f, 0.5f, 0.5f}), 3, false);
        StreamingLoader.Options o = StreamingLoader.Options.training(3, 1, 11, TrainTransform.imagenet(16), layout,
                BadImages.Policy.FAIL).sharedBy(DistributedSampler.WHOLE.withRepetitions(3));
        try (StreamingLoader l = new StreamingLoader(new FolderSource(idx), o, (f, r) -> { });
                BatchStream s = l.epoch(0, 0); Batch b = s.next()) {
            assertThat(l.batchesPerEpoch()).isEqualTo(2);
            int[] order = l.order(0);
            assertThat(order[0]).isEqualTo(order[1]).isEqualTo(order[2]);
            List<float[]> copies = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                copies.add(Tensors.toFloats(b.images().select(0, i)));
            }
            assertThat(copies.stream().map(Arrays::hashCode).distinct().count()).isEqualTo(3);
        }
    }
}
