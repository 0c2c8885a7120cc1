package org.resnet4j.engine;

/**
 * Which of libtorch's kernels resnet4j routes around, decided once at start-up from what oneDNN knows about this
 * processor ({@link OneDnnCacheSizes}).
 *
 * <p>Where oneDNN plans with real or default cache sizes, every convolution runs through it in either layout (its 1×1
 * kernels are also faster than the matrix-product path: ResNet-50 training in channels-last, one thread, 3.0 against
 * 2.3–2.7 images/s in bf16). Where it plans with the one-byte caches of a processor that reports none and that could
 * not be corrected, its 1×1 kernels crash or compute wrong values: 1×1 convolutions then run as the matrix products
 * they are, and channels-last is kept to the layouts whose training was tested equal to NCHW's under that condition.
 */
public final class Kernels {
    private Kernels() {
    }

    /** Read once: every 1×1 convolution's forward pass asks. */
    private static final class Decision {
        static final boolean SAFE = Engine.oneDnnCaches().status() != OneDnnCacheSizes.Status.NOT_CORRECTED;
    }

    /** Whether oneDNN's convolution planning can be trusted on this machine (caches reported, or corrected). */
    public static boolean oneDnnPlansSafely() {
        return Decision.SAFE;
    }

    /** Whether a 1×1 convolution should run as a matrix product instead of a oneDNN convolution. */
    public static boolean pointwiseAsMatrixProduct() {
        return !oneDnnPlansSafely();
    }

    /** Whether channels-last gives NCHW's results for every ResNet layout (else only for plain basic-block nets). */
    public static boolean channelsLastEverywhere() {
        return oneDnnPlansSafely();
    }
}
