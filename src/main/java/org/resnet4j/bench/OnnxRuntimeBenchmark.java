package org.resnet4j.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

import org.bytedeco.javacpp.PointerScope;
import org.resnet4j.data.ImageDecoder;
import org.resnet4j.data.Normalization;
import org.resnet4j.data.Preprocessing;
import org.resnet4j.engine.Engine;
import org.resnet4j.engine.Precision;
import org.resnet4j.eval.OnnxRuntimeModel;
import org.resnet4j.io.onnx.OnnxExport;
import org.resnet4j.model.ModelOptions;
import org.resnet4j.model.ResNet;
import org.resnet4j.model.ResNets;
import org.resnet4j.model.Shape;

/**
 * Times ONNX Runtime's CPU inference of a variant as resnet4j exports it, on the same terms as
 * {@link StepBenchmark}'s eval mode: the same model and input shape, warm-up, then the median of timed batches.
 */
public final class OnnxRuntimeBenchmark {
    private OnnxRuntimeBenchmark() {
    }

    /** {@code threads}: ONNX Runtime's intra-op threads. Training options do not apply. */
    public static StepBenchmark.Result run(StepBenchmark.Options o, int threads) throws IOException {
        if (o.train() || o.precision() != Precision.FP32 || o.channelsLast()) {
            throw new IllegalArgumentException("ONNX Runtime is timed in eval mode, fp32, NCHW only");
        }
        Engine.start();
        Engine.seed(0);
        Shape s = o.input();
        Path file = Files.createTempFile("resnet4j-bench-", ".onnx");
        try {
            try (PointerScope scope = new PointerScope()) {
                ResNet net = ResNets.create(ModelOptions.of(o.model()).withInChannels((int) s.channels()));
                float[] zeros = new float[(int) s.channels()];
                float[] ones = zeros.clone();
                java.util.Arrays.fill(ones, 1f);
                Preprocessing shape = new Preprocessing("synthetic", (int) s.channels(), (int) s.height(),
                        (int) s.width(), ImageDecoder.Fit.CROP, new Normalization(zeros, ones));
                OnnxExport.write(net, List.of(), shape, new OnnxExport.Options(o.foldBatchNorm(), false), file,
                        "bench");
            }
            FloatBuffer x = input(o.batchSize() * s.size());
            long[] dims = {o.batchSize(), s.channels(), s.height(), s.width()};
            double[] times = new double[o.steps()];
            try (OnnxRuntimeModel model = OnnxRuntimeModel.open(file, threads)) {
                for (int i = 0; i < o.warmup() + o.steps(); i++) {
                    long t0 = System.nanoTime();
                    model.run(x, dims);
                    StepBenchmark.record(times, i - o.warmup(), t0);
                }
            }
            return StepBenchmark.summarize(o, times, threads);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** Standard-normal values in a direct buffer, which ONNX Runtime reads without a copy. */
    private static FloatBuffer input(long n) {
        FloatBuffer b = ByteBuffer.allocateDirect(Math.toIntExact(n * Float.BYTES)).order(ByteOrder.nativeOrder())
                .asFloatBuffer();
        SplittableRandom r = new SplittableRandom(0);
        for (long i = 0; i < n; i++) {
            double u1 = r.nextDouble();
            double u2 = r.nextDouble();
            b.put((float) (Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2)));
        }
        return b.flip();
    }
}
