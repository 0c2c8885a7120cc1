package org.resnet4j.train;

import org.resnet4j.data.Dataset;
import org.resnet4j.data.Normalization;
import org.resnet4j.data.Subset;
import org.resnet4j.eval.EvalResult;
import org.resnet4j.eval.Evaluator;
import org.resnet4j.model.ResNet;

/**
 * The evaluation after every epoch: on the validation split when there is one (it picks the best checkpoint), and on
 * the test split. With {@code sampleImages > 0} each split is a fixed random sample of that many images (test sets can
 * be sorted by class, so not the first ones).
 */
public record Evaluation(Dataset val, Dataset test, Evaluator evaluator, Normalization normalization,
        int sampleImages) {

    EvalResult run(ResNet net, String split, Dataset data, TrainListener listener) {
        Dataset d = sampleImages == 0 ? data : Subset.sample(data, sampleImages, 7);
        listener.evaluationStarted(split, d.size());
        EvalResult r = evaluator.evaluate(net, d, normalization, done -> listener.evaluationProgress(split, done));
        listener.evaluationDone(split);
        return r;
    }
}
