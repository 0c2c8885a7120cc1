package org.resnet4j.train;

import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.Optimizer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.resnet4j.engine.Autocast;
import org.resnet4j.engine.Precision;
import org.resnet4j.engine.Scopes;
import org.resnet4j.model.ResNet;

/**
 * One optimisation step: forward (under bf16 autocast when asked), cross-entropy with optional label smoothing,
 * backward, optional gradient clipping, update. Shared by the trainer and the benchmark, so what is timed is what
 * trains. Call it inside a native-memory scope.
 */
public final class TrainStep {
    private final ResNet net;
    private final Optimizer optimizer;
    private final Precision precision;
    private final double labelSmoothing;
    private final double gradClip;

    /** The loss of the step and how many of the batch's images it classified right. */
    public record Outcome(double loss, long correct) {
    }

    public TrainStep(ResNet net, Optimizer optimizer, Precision precision, double labelSmoothing, double gradClip) {
        this.net = net;
        this.optimizer = optimizer;
        this.precision = precision;
        this.labelSmoothing = labelSmoothing;
        this.gradClip = gradClip;
    }

    /**
     * The forward pass in a scope of its own: the Java handles of every intermediate activation are released as soon
     * as the logits exist, so the autograd graph alone decides what stays alive and backward can free activations
     * as it goes, as in PyTorch. Without this, every activation would live until the end of the step and the peak
     * memory of ResNet-18 training would double.
     */
    private Tensor forwardKeepingOnlyLogits(Tensor images) {
        try (Autocast ac = precision.autocast()) {
            return Scopes.keepingOnlyResult(() -> net.forward(images));
        }
    }

    /**
     * Runs the step at learning rate {@code lr}. A non-finite loss is returned without updating the weights, so the
     * caller can stop with the model as it was.
     */
    public Outcome run(Tensor images, Tensor labels, double lr) {
        Optimizers.setLr(optimizer, lr);
        optimizer.zero_grad(true);
        Tensor logits = forwardKeepingOnlyLogits(images);
        Tensor loss = torch.cross_entropy_loss(logits.to(ScalarType.Float), labels, new TensorOptional(), 1, -100,
                labelSmoothing);
        double l = loss.item_double();
        if (!Double.isFinite(l)) {
            return new Outcome(l, 0);
        }
        loss.backward();
        if (gradClip > 0) {
            torch.clip_grad_norm_(net.parameters(), gradClip);
        }
        optimizer.step();
        long correct = logits.argmax(new LongOptional(1), false).eq(labels).sum().item_long();
        return new Outcome(l, correct);
    }
}
