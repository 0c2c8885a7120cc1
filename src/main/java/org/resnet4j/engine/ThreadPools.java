package org.resnet4j.engine;

import org.bytedeco.openblas.global.openblas_full;
import org.bytedeco.pytorch.global.torch;

/**
 * One thread pool owns the cores: libtorch's OpenMP pool, which runs oneDNN and ATen's parallel loops.
 *
 * <p>libtorch calls OpenBLAS for the fp32 matrix products oneDNN does not take (linear layers, and the small
 * convolutions of batch-1 inference, which it computes as im2col + GEMM). OpenBLAS keeps a pthread pool of its own,
 * whose workers spin for a while after each call, as OpenMP's do between parallel regions; sharing the cores, each
 * pool's spinning workers hold off the other's (ResNet-18 batch-1 inference took 93 ms instead of 14 ms on two
 * cores). OpenBLAS therefore runs in the thread that calls it, which inside a parallel loop is one of OpenMP's.
 */
final class ThreadPools {
    private ThreadPools() {
    }

    static void use(int threads) {
        torch.set_num_threads(threads);
        openblas_full.openblas_set_num_threads(1);
    }

    /** The threads OpenBLAS uses for one call (1 once {@link #use} has run). */
    static int openBlasThreads() {
        return openblas_full.openblas_get_num_threads();
    }
}
