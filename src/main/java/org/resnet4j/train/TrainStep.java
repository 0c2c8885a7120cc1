package org.resnet4j.train;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Optimizer;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.resnet4j.dist.DistributedDataParallel;
import org.resnet4j.engine.Autocast;
import org.resnet4j.engine.ComputeDevice;
import org.resnet4j.engine.LossScaler;
import org.resnet4j.engine.Precision;
import org.resnet4j.engine.Scopes;
import org.resnet4j.io.StateDict;
import org.resnet4j.model.ResNet;

/**
 * One optimisation step: forward (under bf16 autocast when asked), cross-entropy with optional label smoothing (or,
 * with mixup/cutmix, a soft-target cross-entropy with the smoothing folded into the targets), backward, optional
 * gradient clipping, update. With gradient accumulation a step spans N batches (a {@link Window}): each batch's loss
 * is divided by N, as Lightning does, and the optimiser steps after the last. Shared by the trainer and the
 * benchmark, so what is timed is what trains. Call it inside a native-memory scope.
 *
 * <p>A step whose loss or BatchNorm running statistics are not finite never updates the weights. With
 * {@link OnNonFinite#SKIP} the step also checks its gradients, puts the BatchNorm statistics back as they were before
 * it, and checks the weights after the update (which it cannot undo).
 */
public final class TrainStep {
    private final ResNet net;
    private final Optimizer optimizer;
    private final ParamGroups groups;
    private final Options options;
    private final OnNonFinite onNonFinite;
    /** Where the model computes; batches arrive in host memory and are put there. */
    private final ComputeDevice device;
    /** fp16 only: dynamic loss scaling; a step it skips for an overflow is not a failure. */
    private final LossScaler scaler;
    private final Map<String, Tensor> statistics = new LinkedHashMap<>();
    private final Map<String, Tensor> buffers = new LinkedHashMap<>();
    private final Map<String, Tensor> parameters = new LinkedHashMap<>();
    private ModelEma ema;
    /** Averages gradients over the processes of a distributed run; null in a process on its own. */
    private DistributedDataParallel ddp;

    /**
     * The loss of the step and how many of the batch's images it classified right; {@code nonFinite} says what was
     * not finite (null when all was), and {@code updated} whether the weights changed nonetheless.
     */
    public record Outcome(double loss, long correct, String nonFinite, boolean updated) {
        public Outcome(double loss, long correct) {
            this(loss, correct, null, true);
        }
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

    /**
     * Where a batch falls in its accumulation window: the first clears the gradients, the last updates the weights.
     * {@code last} is the one place that knows a micro-batch is final (where data-parallel training synchronises).
     */
    public record Window(boolean first, boolean last) {
        public static final Window WHOLE = new Window(true, true);
    }

    public TrainStep(ResNet net, Optimizer optimizer, Precision precision, double labelSmoothing, double gradClip) {
        this(net, optimizer, precision, labelSmoothing, gradClip, OnNonFinite.STOP);
    }

    public TrainStep(ResNet net, Optimizer optimizer, Precision precision, double labelSmoothing, double gradClip,
            OnNonFinite onNonFinite) {
        this(net, ParamGroups.of(optimizer), Options.of(precision, labelSmoothing, gradClip), onNonFinite);
    }

    public TrainStep(ResNet net, ParamGroups groups, Options options, OnNonFinite onNonFinite) {
        this.net = net;
        this.optimizer = groups.optimizer();
        this.groups = groups;
        this.options = options;
        this.onNonFinite = onNonFinite;
        this.device = ComputeDevice.of(net);
        options.precision().requireSupportedOn(device);
        this.scaler = options.precision().needsLossScaling() ? new LossScaler() : null;
        StateDict.of(net).forEach((name, t) -> {
            if (name.endsWith("running_mean") || name.endsWith("running_var")) {
                statistics.put(name, t);
            }
        });
        var named = net.named_parameters();
        for (long i = 0; i < named.size(); i++) {
            parameters.put(named.get(i).key().getString(), new Tensor(named.get(i).value())); // a handle of its own
        }
        var b = net.named_buffers();
        for (long i = 0; i < b.size(); i++) {
            buffers.put(b.get(i).key().getString(), new Tensor(b.get(i).value()));
        }
    }

    public OnNonFinite onNonFinite() {
        return onNonFinite;
    }

    /** In a distributed run, gives every rank rank 0's buffers (BatchNorm statistics): before an evaluation. */
    public void syncReplicas() {
        if (ddp != null) {
            ddp.syncBuffers();
        }
    }

    /**
     * Makes every update a data-parallel one: gradients averaged over {@code ddp}'s processes, exchanged on the last
     * batch of each accumulation window only (DDP's {@code no_sync} on the others).
     */
    public TrainStep distributed(DistributedDataParallel ddp) {
        this.ddp = ddp;
        return this;
    }

    /** Keeps {@code ema} of the weights too (the trainer updates it after each optimiser step). */
    public TrainStep withEma(ModelEma ema) {
        this.ema = ema;
        return this;
    }

    /** The moving average of the weights, or null. */
    public ModelEma ema() {
        return ema;
    }

    /** The loss scaler's state, or null when this step scales no loss (every precision but fp16). */
    public LossScaler.State lossScalerState() {
        return scaler == null ? null : scaler.state();
    }

    /** Puts back a checkpoint's loss scaler state; nothing to do when this step scales no loss. */
    public void restoreLossScaler(LossScaler.State saved) {
        if (scaler != null && saved != null) {
            scaler.restore(saved);
        }
    }

    public Options options() {
        return options;
    }

    public ParamGroups groups() {
        return groups;
    }

    /**
     * Called as epoch {@code epoch} (0-based) starts: releases a frozen part at {@code --unfreeze-at}; returns what
     * changed, or null.
     */
    public String startEpoch(int epoch) {
        String changed = groups.startEpoch(epoch);
        if (changed != null && ddp != null) {
            ddp = ddp.rebuilt(); // the Reducer all-reduces the gradients of the parameters it was built with
        }
        return changed;
    }

    /** Batches per optimiser step. */
    public int accumulate() {
        return options.accumulate();
    }

    /**
     * The window of batch {@code batch} (0-based) of an epoch of {@code batches}; an epoch's last window may be
     * short, and still updates.
     */
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
        try (Autocast ac = options.precision().autocast(device)) {
            return Scopes.keepingOnlyResult(() -> net.forward(images));
        }
    }

    /**
     * Runs a whole step at learning rate {@code lr}. A non-finite loss or BatchNorm statistic is returned without
     * updating the weights, so the caller can stop with the model as it was, or skip the step.
     */
    public Outcome run(Tensor images, Tensor labels, double lr) {
        return run(images, labels, lr, 0, Window.WHOLE);
    }

    /**
     * Runs batch {@code batch} (counted over the run: it seeds mixing) of an accumulation window, updating the weights
     * at {@code lr} (times each group's scale) when the window ends. The batch may lie in host memory: it is put on
     * the model's device.
     */
    public Outcome run(Tensor hostImages, Tensor hostLabels, double lr, long batch, Window window) {
        Tensor images = device.put(hostImages);
        Tensor labels = device.put(hostLabels);
        if (window.first()) {
            optimizer.zero_grad(true);
        }
        List<Tensor> before = onNonFinite == OnNonFinite.SKIP ? snapshot() : null;
        Tensor targets = null;
        if (options.mixup() != null) {
            Mixup.Mixed m = options.mixup().apply(images, labels, batch);
            images = m.images();
            targets = m.targets();
        }
        boolean sync = ddp != null && window.last();
        if (sync) {
            ddp.beforeForward();
        } else if (ddp != null) {
            ddp.syncBuffers(); // as PyTorch's DDP, whose no_sync skips the gradient exchange but not this broadcast
        }
        Tensor logits = forwardKeepingOnlyLogits(images);
        Tensor loss = targets != null
                ? torch.cross_entropy_loss(logits.to(ScalarType.Float), targets, new TensorOptional(), 1, -100, 0)
                : torch.cross_entropy_loss(logits.to(ScalarType.Float), labels, new TensorOptional(), 1, -100,
                        options.labelSmoothing());
        double l = loss.item_double();
        String bad = !Double.isFinite(l) ? "the loss became " + l
                : !NonFinite.allFinite(List.copyOf(statistics.values())) ? "BatchNorm statistics ("
                        + NonFinite.firstIn(statistics) + ") became non-finite" : null;
        if (ddp != null) {
            bad = ddp.agree(bad); // every rank runs backward, or none: a rank that skips it alone hangs the others
        }
        if (bad != null) {
            return rejected(before, l, bad);
        }
        Tensor scaled = options.accumulate() > 1 ? loss.div(new Scalar((double) options.accumulate())) : loss;
        if (scaler != null) {
            scaled = scaler.scale(scaled);
        }
        if (sync) {
            ddp.backward(scaled);
        } else {
            scaled.backward();
        }
        long correct = logits.argmax(new LongOptional(1), false).eq(labels).sum().item_long();
        if (!window.last()) {
            return new Outcome(l, correct);
        }
        if (scaler != null && scaler.unscale(net.parameters())) {
            // float16 overflowed at this scale: GradScaler skips the update and lowers the scale
            scaler.update();
            optimizer.zero_grad(true);
            return new Outcome(l, correct, null, false);
        }
        if (options.gradClip() > 0) {
            torch.clip_grad_norm_(net.parameters(), options.gradClip());
        }
        if (before != null) {
            Map<String, Tensor> grads = new LinkedHashMap<>();
            parameters.forEach((name, p) -> grads.put(name, p.grad()));
            String g = NonFinite.firstIn(grads);
            if (g != null) {
                optimizer.zero_grad(true);
                return rejected(before, l, "the gradient of " + g + " became non-finite");
            }
        }
        groups.setLr(lr);
        optimizer.step();
        if (scaler != null) {
            scaler.update();
        }
        if (before != null) {
            String p = NonFinite.firstIn(parameters);
            if (p != null) {
                return new Outcome(l, 0, "the update made " + p + " non-finite", true);
            }
        }
        return new Outcome(l, correct);
    }

    private List<Tensor> snapshot() {
        List<Tensor> copies = new ArrayList<>();
        buffers.values().forEach(b -> copies.add(b.clone()));
        return copies;
    }

    /** A step that changes nothing: the buffers it moved are put back when a snapshot was taken. */
    private Outcome rejected(List<Tensor> before, double loss, String why) {
        if (before != null) {
            try (NoGradGuard g = new NoGradGuard()) {
                int i = 0;
                for (Tensor b : buffers.values()) {
                    b.copy_(before.get(i++));
                }
            }
        }
        return new Outcome(loss, 0, why, false);
    }
}
