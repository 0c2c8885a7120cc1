package org.resnet4j.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@link Engine#start} sets up for every library user: oneDNN's caches, NNPACK, the thread pools. */
class EngineStartTest {
    @TempDir
    Path dir;

    @Test
    void findsOneDnnsProcessorDescriptionInLibtorch() throws Exception {
        Engine.start();
        OneDnnCacheSizes.Library lib = OneDnnCacheSizes.Library.find("libtorch_cpu.so");
        assertThat(lib).isNotNull();
        assertThat(lib.path()).exists();
        assertThat(lib.symbolAddress("_ZZN4dnnl4impl3cpu3x643cpuEvE4cpu_", 144)).isGreaterThan(lib.loadBias());
        assertThat(lib.symbolAddress("_ZZN4dnnl4impl3cpu3x643cpuEvE4cpu_", 143)).isEqualTo(-1);
        assertThat(lib.symbolAddress("resnet4j_no_such_symbol", 144)).isEqualTo(-1);
    }

    @Test
    void saysWhatOneDnnSeesAndWhatWasDone() {
        OneDnnCacheSizes.Outcome o = Engine.oneDnnCaches();
        switch (o.status()) {
            case CORRECTED -> assertThat(o.detail()).contains("reports no cache sizes", "oneDNN read L1 1 byte");
            case NOT_NEEDED -> assertThat(o.detail()).doesNotContain("1 byte");
            case NOT_CORRECTED -> throw new AssertionError("not corrected: " + o.detail());
        }
        assertThat(Kernels.oneDnnPlansSafely()).isTrue();
        assertThat(Kernels.pointwiseAsMatrixProduct()).isFalse();
    }

    @Test
    void openBlasRunsInTheCallingThread() {
        Engine.start(2);
        assertThat(Engine.threads()).isEqualTo(2);
        assertThat(ThreadPools.openBlasThreads()).isEqualTo(1);
    }

    /**
     * libtorch 2.10 printed "Could not initialize NNPACK! Reason: Unsupported hardware." for every convolution it
     * considered for NNPACK on machines without cache information: 19 lines for one image of ResNet-18.
     */
    @Test
    void batchOneInferencePrintsNoNnpackWarnings() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Process p = new ProcessBuilder(java, "-cp", cp, "org.resnet4j.cli.Main", "bench", "--model", "resnet20",
                "--mode", "eval", "--batch-size", "1", "--no-fold-bn", "--steps", "2", "--warmup", "1", "--json")
                .redirectOutput(dir.resolve("out.txt").toFile()).redirectError(dir.resolve("err.txt").toFile()).start();
        assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
        String err = Files.readString(dir.resolve("err.txt"));
        assertThat(p.exitValue()).as(err).isZero();
        assertThat(err).doesNotContain("NNPACK");
    }
}
