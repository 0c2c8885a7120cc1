package org.resnet4j.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

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
}
