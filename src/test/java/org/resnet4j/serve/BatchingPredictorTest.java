package org.resnet4j.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.resnet4j.eval.Predictor;
import org.resnet4j.testing.TestImages;

class BatchingPredictorTest {
    private static Predictor predictor;
    private static List<byte[]> inputs;
    private static List<Predictor.Prediction> alone;

    @BeforeAll
    static void predictOneAtATime() {
        predictor = TestImages.cifarPredictor();
        inputs = new ArrayList<>();
        alone = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            byte[] in = predictor.prepare(TestImages.cifar(i * 7));
            inputs.add(in);
            alone.add(predictor.predictPrepared(List.of(in), 3).get(0));
        }
    }

    /** Each request gets its own image's answer, whatever batch it shared, and batches never exceed the maximum. */
    @Test
    void concurrentRequestsShareForwardPassesAndGetTheirOwnAnswers() throws Exception {
        List<Integer> sizes = Collections.synchronizedList(new ArrayList<>());
        var policy = new BatchingPredictor.Policy(8, Duration.ofMillis(200), 100);
        try (BatchingPredictor b = new BatchingPredictor(predictor, policy, (n, nanos) -> sizes.add(n))) {
            List<CompletableFuture<Predictor.Prediction>> futures = new ArrayList<>();
            for (int i = 0; i < inputs.size(); i++) {
                futures.add(b.submit(inputs.get(i), 1 + i % 3)); // each asks its own k
            }
            for (int i = 0; i < inputs.size(); i++) {
                Predictor.Prediction got = futures.get(i).get(30, TimeUnit.SECONDS);
                assertThat(got.top()).hasSize(1 + i % 3);
                for (int j = 0; j < got.top().size(); j++) {
                    assertThat(got.top().get(j).index()).isEqualTo(alone.get(i).top().get(j).index());
                    assertThat(got.top().get(j).probability())
                            .isCloseTo(alone.get(i).top().get(j).probability(), within(1e-5));
                }
            }
        }
        assertThat(sizes.stream().mapToInt(Integer::intValue).sum()).isEqualTo(inputs.size());
        assertThat(sizes).allSatisfy(n -> assertThat(n).isBetween(1, 8));
        // 24 requests queued at once with 200 ms to gather: full batches of 8
        assertThat(sizes).contains(8);
    }

    @Test
    void withoutBatchingEachRequestIsItsOwnForwardPass() throws Exception {
        List<Integer> sizes = Collections.synchronizedList(new ArrayList<>());
        try (BatchingPredictor b = new BatchingPredictor(predictor, BatchingPredictor.Policy.UNBATCHED,
                (n, nanos) -> sizes.add(n))) {
            List<CompletableFuture<Predictor.Prediction>> futures = new ArrayList<>();
            for (byte[] in : inputs.subList(0, 6)) {
                futures.add(b.submit(in, 1));
            }
            for (int i = 0; i < futures.size(); i++) {
                assertThat(futures.get(i).get(30, TimeUnit.SECONDS).best().index())
                        .isEqualTo(alone.get(i).best().index());
            }
        }
        assertThat(sizes).containsOnly(1).hasSize(6);
    }

    /** A full queue answers at once instead of letting waits grow; closing answers everything already queued. */
    @Test
    void aFullQueueRefusesAndClosingFinishesWhatWasQueued() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<Integer> sizes = Collections.synchronizedList(new ArrayList<>());
        BatchingPredictor b = new BatchingPredictor(predictor, new BatchingPredictor.Policy(2, Duration.ZERO, 3),
                (n, nanos) -> {
                    sizes.add(n);
                    entered.countDown();
                    await(release); // the worker is stuck in its first batch until released
                });
        CompletableFuture<Predictor.Prediction> first = b.submit(inputs.get(0), 1);
        await(entered);
        List<CompletableFuture<Predictor.Prediction>> queued = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            queued.add(b.submit(inputs.get(i), 1));
        }
        CompletableFuture<Predictor.Prediction> refused = b.submit(inputs.get(4), 1);
        assertThat(refused).isCompletedExceptionally();
        assertThat(cause(refused)).isInstanceOf(RejectedExecutionException.class).hasMessageContaining("busy");
        CompletableFuture<Predictor.Prediction> cancelled = queued.get(2);
        cancelled.cancel(false);
        assertThat(b.pending()).isEqualTo(3); // the first, in its forward pass, and two queued

        Thread closer = new Thread(b::close);
        closer.start();
        while (!cause(b.submit(inputs.get(5), 1)).getMessage().contains("shutting down")) { // busy until closed
            Thread.sleep(5);
        }
        release.countDown();
        closer.join(30_000);
        assertThat(closer.isAlive()).isFalse();
        assertThat(first.get().best().index()).isEqualTo(alone.get(0).best().index());
        assertThat(queued.get(0).get().best().index()).isEqualTo(alone.get(1).best().index());
        assertThat(queued.get(1).get().best().index()).isEqualTo(alone.get(2).best().index());
        assertThat(sizes).containsExactly(1, 2); // the cancelled request was left out of the last batch
        assertThat(b.pending()).isZero();
    }

    @Test
    void badInputsFailTheirOwnFutureOnly() throws Exception {
        try (BatchingPredictor b = new BatchingPredictor(predictor, BatchingPredictor.Policy.DEFAULT)) {
            assertThat(cause(b.submit(new byte[10], 1))).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("3072 bytes");
            assertThat(cause(b.submit(inputs.get(0), 0))).isInstanceOf(IllegalArgumentException.class);
            assertThat(b.submit(inputs.get(0), 2).get().top()).hasSize(2);
        }
    }

    private static Throwable cause(CompletableFuture<?> f) {
        try {
            f.get(30, TimeUnit.SECONDS);
            return null;
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (Exception e) {
            return e;
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
