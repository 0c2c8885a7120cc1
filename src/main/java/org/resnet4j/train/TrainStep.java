package org.resnet4j.train;

import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.Optimizer;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.resnet4j.engine.Autocast;
import org.resnet4j.engine.Precision;
import org.resnet4j.engine.Scopes;
import org.resnet4j.model.ResNet;

/**
 * One optimisation step: forward (under bf16 autocast when asked), cross-entropy with optional label smoothing (or,
 * with mixup/cutmix, a soft-target cross-entropy with the smoothing folded into the targets), backward, optional
 * gradient clipping, update. With gradient accumulation a step spans N batches: each batch's loss is divided by N
 * (as Lightning does) and the optimiser steps after the last. Shared by the trainer and the benchmark, so what is
 * timed is what trains. Call it inside a native-memory scope.
 */
public final class TrainStep {
    private final ResNet net;
    private final Optimizer optimizer;
    private final ParamGroups groups;
    private final Options options;

    /** The loss of the step and how many of the batch's images it classified right. */
    public record Outcome(double loss, long correct) {
    }

    /**
     * How a step trains: precision, label smoothing, gradient clipping, batches per optimiser step, and batch mixing
     * (null for none).
     */
    public record Options(Precision precision, double labelSmoothing, double gradClip, int accumulate, Mixup mixup) {
        public Options {
            if (accumulate < 1) {
                throw new IllegalArgumentException("accumulation needs at least one batch per step");
            }
        }

        public static Options of(Precision precision, double labelSmoothing, double gradClip) {
            return new Options(precision, labelSmoothing, gradClip, 1, null);
        }
    }

    /** Where a batch falls in its accumulation window: the first clears the gradients, the last updates. */
    public record Window(boolean first, boolean last) {
        public static final Window WHOLE = new Window(true, true);
    }

    public TrainStep(ResNet net, Optimizer optimizer, Precision precision, double labelSmoothing, double gradClip) {
        this(net, ParamGroups.of(optimizer), Options.of(precision, labelSmoothing, gradClip));
    }

    public TrainStep(ResNet net, ParamGroups groups, Options options) {
        this.net = net;
        this.optimizer = groups.optimizer();
        this.groups = groups;
        this.options = options;
    }

    public Options options() {
        return options;
    }

    /** Batches per optimiser step. */
    public int accumulate() {
        return options.accumulate();
    }

    /** The window of batch {@code batch} (0-based) of an epoch of {@code batches}; an epoch's last window may be short. */
    public Window window(int batch, int batches) {
        int n = options.accumulate();
        return new Window(batch % n == 0, (batch + 1) % n == 0 || batch + 1 == batches);
    }

    /** Optimiser steps in an epoch of {@code batches}. */
    public int updatesPerEpoch(int batches) {
        return (batches + options.accumulate() - 1) / options.accumulate();
    }

    /**
     * The forward pass in a scope of its own: the Java handles of every intermediate activation are released as soon
     * as the logits exist, so the autograd graph alone decides what stays alive and backward can free activations
     * as it goes, as in PyTorch. Without this, every activation would live until the end of the step and the peak
     * memory of ResNet-18 training would double.
     */
    private Tensor forwardKeepingOnlyLogits(Tensor images) {
        try (Autocast ac = options.precision().autocast()) {
            return Scopes.keepingOnlyResult(() -> net.forward(images));
        }
    }

    /**
     * Runs a whole step at learning rate {@code lr}. A non-finite loss is returned without updating the weights, so
     * the caller can stop with the model as it was.
     */
    public Outcome run(Tensor images, Tensor labels, double lr) {
        return run(images, labels, lr, 0, Window.WHOLE);
    }

    /**
     * Runs batch {@code step} (counted over the run: it seeds mixing) of an accumulation window, updating the weights
     * at {@code lr} when the window ends. A non-finite loss returns at once, without updating.
     */
    public Outcome run(Tensor images, Tensor labels, double lr, long step, Window window) {
        if (window.first()) {
            optimizer.zero_grad(true);
        }
        Tensor targets = null;
        if (options.mixup() != null) {
            Mixup.Mixed m = options.mixup().apply(images, labels, step);
            images = m.images();
            targets = m.targets();
        }
        Tensor logits = forwardKeepingOnlyLogits(images);
        Tensor loss = targets != null
                ? torch.cross_entropy_loss(logits.to(ScalarType.Float), targets, new TensorOptional(), 1, -100, 0)
                : torch.cross_entropy_loss(logits.to(ScalarType.Float), labels, new TensorOptional(), 1, -100,
                        options.labelSmoothing());
        double l = loss.item_double();
        if (!Double.isFinite(l)) {
            return new Outcome(l, 0);
        }
        (options.accumulate() > 1 ? loss.div(new Scalar(options.accumulate())) : loss).backward();
        if (window.last()) {
            if (options.gradClip() > 0) {
                torch.clip_grad_norm_(net.parameters(), options.gradClip());
            }
            groups.setLr(lr);
            optimizer.step();
        }
        long correct = logits.argmax(new LongOptional(1), false).eq(labels).sum().item_long();
        return new Outcome(l, correct);
    }
}
