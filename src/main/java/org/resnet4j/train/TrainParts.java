package org.resnet4j.train;

import java.util.List;

import org.bytedeco.pytorch.Optimizer;
import org.resnet4j.data.BatchSource;
import org.resnet4j.data.Preprocessing;
import org.resnet4j.dist.WorkerGroup;
import org.resnet4j.model.ResNet;

/**
 * What a run trains with. {@link TrainSetup} assembles it from a {@link TrainConfig}; a Java user may build one by
 * hand.
 *
 * @param batchesPerEpoch steps per epoch (at most the loader's)
 * @param maxSteps        stop with a checkpoint after this many steps (0: no limit)
 * @param config          recorded in checkpoints so that {@code train --resume} can rebuild the run (null for runs
 *                        built by hand: their checkpoints resume from Java, with the same parts)
 * @param classNames      and {@code preprocessing}: recorded in checkpoints for {@code eval} and {@code predict}
 * @param description     the lines that describe the run at its start
 * @param group           the processes the run trains on ({@link WorkerGroup#single()} for one)
 */
public record TrainParts(ResNet net, Optimizer optimizer, TrainStep step, LrSchedule schedule, BatchSource loader,
        int batchesPerEpoch, int epochs, long maxSteps, Evaluation evaluation, TrainConfig config,
        List<String> classNames, Preprocessing preprocessing, List<String> description, WorkerGroup group) {

    public TrainParts {
        if (batchesPerEpoch < 1 || batchesPerEpoch > loader.batchesPerEpoch()) {
            throw new IllegalArgumentException("batches per epoch must be in [1, " + loader.batchesPerEpoch() + "]");
        }
        classNames = List.copyOf(classNames);
        description = List.copyOf(description);
    }

    /** These parts with {@code note} added to their description. */
    public TrainParts withNote(String note) {
        List<String> d = new java.util.ArrayList<>(description);
        d.add(note);
        return new TrainParts(net, optimizer, step, schedule, loader, batchesPerEpoch, epochs, maxSteps, evaluation,
                config, classNames, preprocessing, d, group);
    }
}
