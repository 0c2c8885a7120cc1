package org.resnet4j.train;

import org.resnet4j.data.BatchSource;
import org.resnet4j.eval.EvalResult;
import org.resnet4j.eval.Evaluator;
import org.resnet4j.model.ResNet;

/**
 * The evaluation after every epoch: on the validation split when there is one (it picks the best checkpoint), and on
 * the test split; {@code sampled} when each is a fixed sample rather than the whole split.
 */
public record Evaluation(BatchSource val, BatchSource test, Evaluator evaluator, boolean sampled) {

    EvalResult run(ResNet net, String split, BatchSource data, TrainListener listener) {
        listener.evaluationStarted(split, (int) data.images());
        EvalResult r = evaluator.evaluate(net, data, done -> listener.evaluationProgress(split, done));
        listener.evaluationDone(split);
        listener.evaluated(split, r);
        return r;
    }

    void close() {
        if (val != null) {
            val.close();
        }
        test.close();
    }
}
