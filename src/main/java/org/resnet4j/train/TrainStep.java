package org.resnet4j.train;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Optimizer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.resnet4j.engine.Autocast;
import org.resnet4j.engine.ComputeDevice;
import org.resnet4j.engine.LossScaler;
import org.resnet4j.engine.Precision;
import org.resnet4j.engine.Scopes;
import org.resnet4j.io.StateDict;
import org.resnet4j.model.ResNet;

/**
 * One optimisation step: forward (under bf16 autocast when asked), cross-entropy with optional label smoothing,
 * backward, optional gradient clipping, update. Shared by the trainer and the benchmark, so what is timed is what
 * trains. Call it inside a native-memory scope.
 *
 * <p>A step whose loss or BatchNorm running statistics are not finite never updates the weights. With
 * {@link OnNonFinite#SKIP} the step also checks its gradients, puts the BatchNorm statistics back as they were before
 * it, and checks the weights after the update (which it cannot undo).
 */
public final class TrainStep {
    private final ResNet net;
    private final Optimizer optimizer;
    private final Precision precision;
    private final double labelSmoothing;
    private final double gradClip;
    private final OnNonFinite onNonFinite;
    /** Where the model computes; batches arrive in host memory and are put there. */
    private final ComputeDevice device;
    /** fp16 only: dynamic loss scaling; a step it skips for an overflow is not a failure. */
    private final LossScaler scaler;
    private final Map<String, Tensor> statistics = new LinkedHashMap<>();
    private final Map<String, Tensor> buffers = new LinkedHashMap<>();
    private final Map<String, Tensor> parameters = new LinkedHashMap<>();

    /**
     * The loss of the step and how many of the batch's images it classified right; {@code nonFinite} says what was
     * not finite (null when all was), and {@code updated} whether the weights changed nonetheless.
     */
    public record Outcome(double loss, long correct, String nonFinite, boolean updated) {
        public Outcome(double loss, long correct) {
            this(loss, correct, null, true);
        }
    }

    public TrainStep(ResNet net, Optimizer optimizer, Precision precision, double labelSmoothing, double gradClip) {
        this(net, optimizer, precision, labelSmoothing, gradClip, OnNonFinite.STOP);
    }

    public TrainStep(ResNet net, Optimizer optimizer, Precision precision, double labelSmoothing, double gradClip,
            OnNonFinite onNonFinite) {
        this.net = net;
        this.optimizer = optimizer;
        this.precision = precision;
        this.labelSmoothing = labelSmoothing;
        this.gradClip = gradClip;
        this.onNonFinite = onNonFinite;
        this.device = ComputeDevice.of(net);
        precision.requireSupportedOn(device);
        this.scaler = precision.needsLossScaling() ? new LossScaler() : null;
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

    /**
     * The forward pass in a scope of its own: the Java handles of every intermediate activation are released as soon
     * as the logits exist, so the autograd graph alone decides what stays alive and backward can free activations
     * as it goes, as in PyTorch. Without this, every activation would live until the end of the step and the peak
     * memory of ResNet-18 training would double.
     */
    private Tensor forwardKeepingOnlyLogits(Tensor images) {
        try (Autocast ac = precision.autocast(device)) {
            return Scopes.keepingOnlyResult(() -> net.forward(images));
        }
    }

    /**
     * Runs the step at learning rate {@code lr}. A non-finite loss or BatchNorm statistic is returned without
     * updating the weights, so the caller can stop with the model as it was, or skip the step.
     */
    public Outcome run(Tensor hostImages, Tensor hostLabels, double lr) {
        Tensor images = device.put(hostImages);
        Tensor labels = device.put(hostLabels);
        Optimizers.setLr(optimizer, lr);
        optimizer.zero_grad(true);
        List<Tensor> before = onNonFinite == OnNonFinite.SKIP ? snapshot() : null;
        Tensor logits = forwardKeepingOnlyLogits(images);
        Tensor loss = torch.cross_entropy_loss(logits.to(ScalarType.Float), labels, new TensorOptional(), 1, -100,
                labelSmoothing);
        double l = loss.item_double();
        if (!Double.isFinite(l)) {
            return rejected(before, l, "the loss became " + l);
        }
        if (!NonFinite.allFinite(List.copyOf(statistics.values()))) {
            return rejected(before, l, "BatchNorm statistics (" + NonFinite.firstIn(statistics) + ") became"
                    + " non-finite");
        }
        if (scaler != null) {
            scaler.scale(loss).backward();
            if (scaler.unscale(net.parameters())) {
                // float16 overflowed at this scale: GradScaler skips the update and lowers the scale
                scaler.update();
                optimizer.zero_grad(true);
                return new Outcome(l, logits.argmax(new LongOptional(1), false).eq(labels).sum().item_long(), null,
                        false);
            }
        } else {
            loss.backward();
        }
        if (gradClip > 0) {
            torch.clip_grad_norm_(net.parameters(), gradClip);
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
        long correct = logits.argmax(new LongOptional(1), false).eq(labels).sum().item_long();
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
