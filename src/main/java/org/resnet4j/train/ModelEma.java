package org.resnet4j.train;

import java.util.List;
import java.util.Map;

import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.resnet4j.io.StateDict;
import org.resnet4j.model.ResNet;
import org.resnet4j.model.ResNets;

/**
 * An exponential moving average of a model's weights, as timm's {@code ModelEmaV3}: after optimiser update
 * {@code u}, every floating-point tensor of the state dict (parameters and BatchNorm statistics) becomes
 * {@code decay·ema + (1 − decay)·w} and the others ({@code num_batches_tracked}) are copied. The decay is timm's
 * {@code get_decay(u)}: 0 at the first update (the average starts as a copy), then {@code decay}, or with warm-up
 * {@code min(decay, 1 − (1 + u − 1)^(−2/3))}. With {@code every} > 1 the average is updated after every
 * {@code every}-th update only, as torchvision's {@code --model-ema-steps}.
 *
 * <p>With {@code copyThrough} = W > 0 the average restarts as torchvision's train.py does through the learning-rate
 * warm-up ({@code model_ema.n_averaged.fill_(0)} after each update of the warm-up epochs): every update up to
 * optimiser update W copies the weights, and so does the first one after it; the decay (and its warm-up) count from
 * there.
 */
public final class ModelEma {
    private final ResNet model;
    private final double decay;
    private final boolean warmup;
    private final int every;
    private final long copyThrough;
    private final Map<String, Tensor> ema;

    /** An average of {@code net}, starting from its present weights. */
    public ModelEma(ResNet net, double decay, boolean warmup, int every) {
        this(net, decay, warmup, every, 0);
    }

    /** As above, copying the weights at every update up to optimiser update {@code copyThrough} and the next. */
    public ModelEma(ResNet net, double decay, boolean warmup, int every, long copyThrough) {
        if (!(decay >= 0 && decay < 1) || every < 1 || copyThrough < 0) {
            throw new IllegalArgumentException("EMA needs a decay in [0, 1), updates every N >= 1 steps and a"
                    + " non-negative restart");
        }
        this.copyThrough = copyThrough;
        model = ResNets.create(net.options());
        StateDict.load(model, StateDict.of(net), true);
        if (net.isChannelsLast()) {
            model.toChannelsLast();
        }
        model.eval();
        this.decay = decay;
        this.warmup = warmup;
        this.every = every;
        ema = StateDict.of(model);
    }

    /** The averaged model (in eval mode), to evaluate or save. */
    public ResNet model() {
        return model;
    }

    /** timm's {@code get_decay(step)} for optimiser update {@code update} (1-based). */
    public double decayAt(long update) {
        long step = Math.max(0, update - 1);
        if (step <= 0) {
            return 0;
        }
        return warmup ? Math.max(Math.min(1 - Math.pow(1 + step, -2.0 / 3), decay), 0) : decay;
    }

    /** Folds in {@code net}'s weights after optimiser update {@code update} (1-based), when it is one to update at. */
    public void afterUpdate(ResNet net, long update) {
        if (update % every != 0) {
            return;
        }
        long restarts = copyThrough / every; // the average's updates at or before copyThrough, each a copy
        long k = update / every;
        double d = k <= restarts ? 0 : decayAt(k - restarts);
        try (NoGradGuard g = new NoGradGuard()) {
            Map<String, Tensor> w = StateDict.of(net);
            for (Map.Entry<String, Tensor> e : ema.entrySet()) {
                Tensor src = w.get(e.getKey());
                if (e.getValue().is_floating_point()) {
                    e.getValue().lerp_(src, new Scalar(1 - d));
                } else {
                    e.getValue().copy_(src);
                }
            }
        }
    }

    /** The names of the tensors held, in state-dict order. */
    List<String> names() {
        return List.copyOf(ema.keySet());
    }
}
