package org.resnet4j.eval;

import java.util.function.IntConsumer;
import java.util.stream.IntStream;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.T_TensorTensor_T;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.resnet4j.data.Batch;
import org.resnet4j.data.BatchBuilder;
import org.resnet4j.data.Dataset;
import org.resnet4j.data.Normalization;
import org.resnet4j.model.ResNet;

/** Runs a model over a dataset in eval mode and measures loss and top-k accuracy. */
public final class Evaluator {
    private final int batchSize;

    public Evaluator(int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
        }
        this.batchSize = batchSize;
    }

    public EvalResult evaluate(ResNet net, Dataset data, Normalization norm) {
        return evaluate(net, data, norm, done -> { });
    }

    /** As {@link #evaluate(ResNet, Dataset, Normalization)}, reporting the images done after each batch. */
    public EvalResult evaluate(ResNet net, Dataset data, Normalization norm, IntConsumer progress) {
        if (data.numClasses() > net.options().numClasses()) {
            throw new IllegalArgumentException("the data has " + data.numClasses() + " classes but the model predicts "
                    + net.options().numClasses());
        }
        if (data.channels() != net.options().inChannels()) {
            throw new IllegalArgumentException("the data has " + data.channels() + "-channel images but the model"
                    + " takes " + net.options().inChannels());
        }
        boolean wasTraining = net.is_training();
        net.eval();
        BatchBuilder builder = new BatchBuilder(data, norm);
        int[] order = IntStream.range(0, data.size()).toArray();
        long k = Math.min(5, net.options().numClasses());
        double lossSum = 0;
        long correct1 = 0;
        long correct5 = 0;
        try (NoGradGuard guard = new NoGradGuard()) {
            for (int from = 0; from < order.length; from += batchSize) {
                int to = Math.min(order.length, from + batchSize);
                try (PointerScope scope = new PointerScope()) {
                    Batch b = builder.build(order, from, to);
                    Tensor logits = net.forward(b.images());
                    lossSum += torch.cross_entropy(logits, b.labels()).item_double() * b.size();
                    T_TensorTensor_T top = torch.topk(logits, k);
                    Tensor hits = top.get1().eq(b.labels().unsqueeze(1));
                    correct1 += hits.narrow(1, 0, 1).sum().item_long();
                    correct5 += hits.sum().item_long();
                }
                progress.accept(to);
            }
        } finally {
            net.train(wasTraining);
        }
        long n = data.size();
        return new EvalResult(n == 0 ? Double.NaN : lossSum / n, (double) correct1 / n, (double) correct5 / n, n);
    }
}
