package org.resnet4j.engine;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.pytorch.global.torch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one entry point to libtorch. Every caller goes through {@link #start()} before its first torch call.
 */
public final class Engine {
    private static final Logger LOG = LoggerFactory.getLogger(Engine.class);
    private static volatile boolean started;
    private static OneDnnCacheSizes.Outcome caches;
    /** {@code -Dresnet4j.correctOneDnnCaches=false} leaves oneDNN's view of the caches as it is (for comparison). */
    public static final String CORRECT_CACHES_PROPERTY = "resnet4j.correctOneDnnCaches";

    private Engine() {
    }

    /** Loads libtorch with one intra-op thread per core, once per JVM; a later call changes nothing. */
    public static synchronized void start() {
        if (!started) {
            start(Runtime.getRuntime().availableProcessors());
        }
    }

    /**
     * Loads libtorch (once per JVM) and sets the number of intra-op threads. The first call also corrects what
     * oneDNN knows of this processor's caches where it misreads them ({@link OneDnnCacheSizes}), turns NNPACK off
     * (never chosen where oneDNN runs) and leaves the cores to libtorch's OpenMP
     * threads ({@link ThreadPools}).
     */
    public static synchronized void start(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        if (!started) {
            loadNatives();
            started = true;
            configureKernels();
            warnAboutAllocator();
        }
        ThreadPools.use(threads);
    }

    /** What oneDNN knew of this processor's caches at start-up, and what was done about it. */
    public static OneDnnCacheSizes.Outcome oneDnnCaches() {
        start();
        return caches;
    }

    private static void configureKernels() {
        caches = Boolean.parseBoolean(System.getProperty(CORRECT_CACHES_PROPERTY, "true")) ? OneDnnCacheSizes.correct()
                : OneDnnCacheSizes.uncorrected("-D" + CORRECT_CACHES_PROPERTY + "=false");
        switch (caches.status()) {
            case NOT_CORRECTED -> LOG.warn("{}: 1x1 convolutions run as matrix products and channels-last is limited to"
                    + " basic-block nets, around oneDNN kernels that crash (SIGFPE) or compute wrong values when"
                    + " planned for one-byte caches", caches.detail());
            case CORRECTED -> LOG.debug("oneDNN: {}", caches.detail());
            default -> LOG.debug("oneDNN caches: {}", caches.detail());
        }
        // libtorch 2.10 asks whether NNPACK initialises on every convolution it considers for NNPACK and prints a
        // warning each time it cannot (machines whose caches are not reported). NNPACK needs a batch of 16 or more,
        // where oneDNN is always chosen first, so with oneDNN present turning it off changes no kernel choice.
        if (torch.hasMKLDNN()) {
            torch.globalContext().setUserEnabledNNPACK(false);
        }
    }

    public static int threads() {
        start();
        return torch.get_num_threads();
    }

    private static void loadNatives() {
        String platform = Loader.getPlatform();
        try {
            // With an empty JavaCPP cache the first System.load of libtorch crashes the JVM (SIGSEGV) unless
            // every native resource is already on disk. The class literal does not initialise torch.
            // the CUDA build (-Pgpu) keeps its libraries under linux-x86_64-gpu/, which Loader prefers when present
            String gpu = "/org/bytedeco/pytorch/" + platform + "-gpu/";
            Loader.cacheResources(torch.class, torch.class.getResource(gpu) != null ? gpu
                    : "/org/bytedeco/pytorch/" + platform + "/");
            Loader.load(torch.class);
        } catch (IOException | LinkageError | RuntimeException e) {
            throw new EngineException("cannot load the libtorch native libraries for " + platform
                    + " (resnet4j needs org.bytedeco:pytorch:" + pytorchVersion() + " with classifier " + platform
                    + " on the class path and a writable JavaCPP cache, ~/.javacpp/cache by default): " + e, e);
        }
    }

    /**
     * glibc returns large activations to the kernel after every step (mmap threshold, heap trimming) and faults them
     * back in on the next, which costs a third to a half of a training step; the launcher raises both thresholds,
     * an embedding application should too. It also caps glibc at one arena: with one per thread, resident memory
     * grows epoch after epoch with memory freed into the arenas of data and evaluation threads.
     */
    private static void warnAboutAllocator() {
        if (System.getenv("MALLOC_MMAP_THRESHOLD_") == null || System.getenv("MALLOC_TRIM_THRESHOLD_") == null) {
            LOG.info("MALLOC_MMAP_THRESHOLD_ and MALLOC_TRIM_THRESHOLD_ are not both set: training runs up to 2x"
                    + " slower than it can (see README, 'Speed')");
        }
        if (System.getenv("MALLOC_ARENA_MAX") == null) {
            LOG.info("MALLOC_ARENA_MAX is not set: resident memory may grow from epoch to epoch (see README, 'Speed')");
        }
    }

    /** The version of libtorch bundled by the JavaCPP presets, for example {@code 2.10.0}. */
    public static String libtorchVersion() {
        String v = pytorchVersion();
        int dash = v.indexOf('-');
        return dash < 0 ? v : v.substring(0, dash);
    }

    /** The version of the JavaCPP presets artifact, for example {@code 2.10.0-1.5.13}. */
    public static String pytorchVersion() {
        Properties p = new Properties();
        try (InputStream in = torch.class.getResourceAsStream("/META-INF/maven/org.bytedeco/pytorch/pom.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            return "unknown";
        }
        return p.getProperty("version", "unknown");
    }

    /** The SIMD level libtorch dispatches its kernels to on the running CPU, for example {@code AVX512}. */
    public static String cpuCapability() {
        start();
        return torch.get_cpu_capability().getString();
    }

    public static boolean hasMkldnn() {
        start();
        return torch.hasMKLDNN();
    }

    public static String mkldnnVersion() {
        start();
        return torch.get_mkldnn_version().getString();
    }

    /** Seeds libtorch's global generator (parameter initialisation, random tensors). */
    public static void seed(long seed) {
        start();
        torch.manual_seed(seed);
    }
}
