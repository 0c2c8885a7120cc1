package org.resnet4j.eval;

import java.util.function.IntConsumer;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.T_TensorTensor_T;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.resnet4j.data.Batch;
import org.resnet4j.data.DataLoader;
import org.resnet4j.data.Dataset;
import org.resnet4j.data.Normalization;
import org.resnet4j.model.ResNet;

/** Runs a model over a dataset in eval mode and measures loss and top-k accuracy. */
public final class Evaluator {
    private final int batchSize;
    private final int workers;

    public Evaluator(int batchSize, int workers) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
        }
        this.batchSize = batchSize;
        this.workers = workers;
    }

    public Evaluator(int batchSize) {
        this(batchSize, 1);
    }

    public EvalResult evaluate(ResNet net, Dataset data, Normalization norm) {
        return evaluate(net, data, norm, done -> { });
    }

    /** As {@link #evaluate(ResNet, Dataset, Normalization)}, reporting the images done after each batch. */
    public EvalResult evaluate(ResNet net, Dataset data, Normalization norm, IntConsumer progress) {
        checkCompatible(net, data);
        boolean wasTraining = net.is_training();
        net.eval();
        long k = Math.min(5, net.options().numClasses());
        double lossSum = 0;
        long correct1 = 0;
        long correct5 = 0;
        int done = 0;
        try (NoGradGuard guard = new NoGradGuard();
             DataLoader loader = new DataLoader(data, DataLoader.Options.evaluation(batchSize, norm, workers, false));
             DataLoader.BatchStream batches = loader.epoch(0, 0)) {
            while (batches.hasNext()) {
                try (PointerScope scope = new PointerScope(); Batch b = batches.next()) {
                    Tensor logits = net.forward(b.images());
                    lossSum += torch.cross_entropy(logits, b.labels()).item_double() * b.size();
                    T_TensorTensor_T top = torch.topk(logits, k);
                    Tensor hits = top.get1().eq(b.labels().unsqueeze(1));
                    correct1 += hits.narrow(1, 0, 1).sum().item_long();
                    correct5 += hits.sum().item_long();
                    done += b.size();
                }
                progress.accept(done);
            }
        } finally {
            net.train(wasTraining);
        }
        long n = data.size();
        return new EvalResult(n == 0 ? Double.NaN : lossSum / n, (double) correct1 / n, (double) correct5 / n, n);
    }

    static void checkCompatible(ResNet net, Dataset data) {
        if (data.numClasses() > net.options().numClasses()) {
            throw new IllegalArgumentException("the data has " + data.numClasses() + " classes but the model predicts "
                    + net.options().numClasses());
        }
        if (data.channels() != net.options().inChannels()) {
            throw new IllegalArgumentException("the data has " + data.channels() + "-channel images but the model"
                    + " takes " + net.options().inChannels());
        }
    }
}
