package org.resnet4j.eval;

import java.util.function.IntConsumer;
import java.util.function.Supplier;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.T_TensorTensor_T;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.resnet4j.data.Batch;
import org.resnet4j.data.BatchSource;
import org.resnet4j.data.BatchStream;
import org.resnet4j.data.DataLoader;
import org.resnet4j.data.Dataset;
import org.resnet4j.data.Normalization;
import org.resnet4j.engine.Autocast;
import org.resnet4j.engine.ComputeDevice;
import org.resnet4j.engine.Precision;
import org.resnet4j.engine.Tensors;
import org.resnet4j.model.ResNet;

/**
 * Runs a classifier (a resnet4j model in eval mode, or any {@link LogitsFunction}) over a dataset and measures loss,
 * top-1 and top-5 accuracy and the confusion matrix; optionally with horizontal-flip test-time augmentation (the
 * softmax of each image and its mirror averaged).
 */
public final class Evaluator {
    private final int batchSize;
    private final int workers;
    private final boolean flipTta;
    private final Precision precision;

    /** {@code batchSize} and {@code workers} apply to data held in memory; a {@link BatchSource} has its own. */
    public Evaluator(int batchSize, int workers, boolean flipTta, Precision precision) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
        }
        if (workers < 1) {
            throw new IllegalArgumentException("data workers must be at least 1, got " + workers);
        }
        this.batchSize = batchSize;
        this.workers = workers;
        this.flipTta = flipTta;
        this.precision = precision;
    }

    public Evaluator(int batchSize, int workers) {
        this(batchSize, workers, false, Precision.FP32);
    }

    public Evaluator(int batchSize) {
        this(batchSize, 1);
    }

    public EvalResult evaluate(ResNet net, Dataset data, Normalization norm) {
        return evaluate(net, data, norm, done -> { });
    }

    /** As {@link #evaluate(ResNet, Dataset, Normalization)}, reporting the images done after each batch. */
    public EvalResult evaluate(ResNet net, Dataset data, Normalization norm, IntConsumer progress) {
        return inEvalMode(net, () -> evaluate(ModelLogits.of(net, precision), data, norm, progress));
    }

    /**
     * Evaluates on the batches of {@code source}'s epoch 0, normalised and laid out as the model expects (a
     * streaming folder or shards built for evaluation); images left out as unreadable count for nothing.
     */
    public EvalResult evaluate(ResNet net, BatchSource source, IntConsumer progress) {
        return inEvalMode(net, () -> evaluate(ModelLogits.of(net, precision), source, progress));
    }

    private static EvalResult inEvalMode(ResNet net, Supplier<EvalResult> run) {
        boolean wasTraining = net.is_training();
        net.eval();
        try {
            return run.get();
        } finally {
            net.train(wasTraining);
        }
    }

    /** Evaluates any classifier over {@code data} held in memory, normalised with {@code norm}. */
    public EvalResult evaluate(LogitsFunction model, Dataset data, Normalization norm, IntConsumer progress) {
        checkCompatible(model.numClasses(), model.inChannels(), data);
        try (DataLoader loader = new DataLoader(data, DataLoader.Options.evaluation(batchSize, norm, workers,
                model.channelsLast()))) {
            return evaluate(model, loader, progress);
        }
    }

    /** Evaluates any classifier over the batches of {@code source}'s epoch 0. */
    public EvalResult evaluate(LogitsFunction model, BatchSource source, IntConsumer progress) {
        int classes = model.numClasses();
        if (source.classNames().size() > classes) {
            throw new IllegalArgumentException("the data has " + source.classNames().size() + " classes but the model"
                    + " predicts " + classes);
        }
        long k = Math.min(5, classes);
        long[][] confusion = new long[classes][classes];
        double lossSum = 0;
        long correct5 = 0;
        int done = 0;
        try (NoGradGuard guard = new NoGradGuard(); BatchStream batches = source.epoch(0, 0)) {
            while (batches.hasNext()) {
                try (PointerScope scope = new PointerScope(); Batch b = batches.next()) {
                    if (b.size() == 0) {
                        continue;
                    }
                    Tensor logProbs = logProbabilities(model, b.images());
                    lossSum += torch.nll_loss(logProbs, b.labels()).item_double() * b.size();
                    T_TensorTensor_T top = torch.topk(logProbs, k);
                    correct5 += top.get1().eq(b.labels().unsqueeze(1)).sum().item_long();
                    long[] predicted = Tensors.toLongs(logProbs.argmax(new LongOptional(1), false));
                    long[] truth = Tensors.toLongs(b.labels());
                    for (int i = 0; i < truth.length; i++) {
                        confusion[(int) truth[i]][(int) predicted[i]]++;
                    }
                    done += b.size();
                }
                progress.accept(done);
            }
        }
        long n = done;
        long correct1 = 0;
        for (int c = 0; c < classes; c++) {
            correct1 += confusion[c][c];
        }
        return new EvalResult(n == 0 ? Double.NaN : lossSum / n, (double) correct1 / n, (double) correct5 / n, n,
                confusion, Dataset.padClassNames(source.classNames(), classes), flipTta);
    }

    /** Log-softmax of the logits, or of the mean of the softmaxes of the images and their mirrors. */
    private Tensor logProbabilities(LogitsFunction model, Tensor images) {
        Tensor logits = model.logits(images);
        if (!flipTta) {
            return torch.log_softmax(logits, 1);
        }
        Tensor mirrored = model.logits(images.flip(3));
        Tensor p = torch.softmax(logits, 1).add(torch.softmax(mirrored, 1)).div(new Scalar(2));
        return p.log();
    }

    static void checkCompatible(ResNet net, Dataset data) {
        checkCompatible(net.options().numClasses(), net.options().inChannels(), data);
    }

    private static void checkCompatible(int classes, int channels, Dataset data) {
        checkCompatible(classes, channels, data.numClasses(), data.channels());
    }

    /** That a model of {@code classes} classes taking {@code channels} channels can be evaluated on the data. */
    public static void checkCompatible(int classes, int channels, int dataClasses, int dataChannels) {
        if (dataClasses > classes) {
            throw new IllegalArgumentException("the data has " + dataClasses + " classes but the model predicts "
                    + classes);
        }
        if (dataChannels != channels) {
            throw new IllegalArgumentException("the data has " + dataChannels + "-channel images but the model"
                    + " takes " + channels);
        }
    }

    /**
     * A resnet4j model (in eval mode) as a logits function: host images put on the model's device, float logits
     * under the precision's autocast for that device, brought back to the host for the metrics.
     */
    private record ModelLogits(ResNet net, Precision precision, ComputeDevice device) implements LogitsFunction {
        static ModelLogits of(ResNet net, Precision precision) {
            ComputeDevice device = ComputeDevice.of(net);
            return new ModelLogits(net, precision.requireSupportedOn(device), device);
        }

        @Override
        public Tensor logits(Tensor images) {
            try (Autocast ac = precision.autocast(device)) {
                return ComputeDevice.toHost(net.forward(device.put(images)).to(ScalarType.Float));
            }
        }

        @Override
        public int numClasses() {
            return net.options().numClasses();
        }

        @Override
        public int inChannels() {
            return net.options().inChannels();
        }

        @Override
        public boolean channelsLast() {
            return net.isChannelsLast();
        }
    }
}
