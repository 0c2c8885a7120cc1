package org.resnet4j.engine;

import org.bytedeco.pytorch.Optimizer;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * Dynamic loss scaling with the semantics of PyTorch's {@code torch.amp.GradScaler}, for float16 training: the loss
 * is multiplied by a scale before backward so that small gradients survive float16; the gradients are divided by it
 * again before the update; a step whose gradients hold an inf or NaN is skipped and halves the scale, and every
 * {@code growthInterval} steps in a row without one double it.
 *
 * <p>PyTorch does the unscaling and the update of the scale in two ATen ops, {@code _amp_foreach_non_finite_check_and_
 * unscale_} and {@code _amp_update_scale_}, which the JavaCPP presets do not expose; this class computes the same
 * arithmetic: each gradient is checked for non-finite values before it is multiplied by the float32 reciprocal of the
 * scale (computed in double, as GradScaler does), and the scale is a float32 that the backoff or growth factor
 * multiplies (a growth to infinity is not taken). The scale lives on the host; reading whether any gradient was not
 * finite costs one synchronisation per step, as {@code GradScaler.step} does.
 */
public final class LossScaler {
    public static final double INIT_SCALE = 65536.0;
    public static final double GROWTH_FACTOR = 2.0;
    public static final double BACKOFF_FACTOR = 0.5;
    public static final int GROWTH_INTERVAL = 2000;

    private final double growthFactor;
    private final double backoffFactor;
    private final int growthInterval;
    private float scale;
    private int growthTracker;
    /** Whether this step's gradients held an inf or NaN; null until they are unscaled. */
    private Boolean foundInf;

    /** PyTorch's defaults: scale 65536, growth 2.0 every 2000 finite steps, backoff 0.5. */
    public LossScaler() {
        this(INIT_SCALE, GROWTH_FACTOR, BACKOFF_FACTOR, GROWTH_INTERVAL);
    }

    public LossScaler(double initScale, double growthFactor, double backoffFactor, int growthInterval) {
        if (!(growthFactor > 1.0) || !(backoffFactor > 0 && backoffFactor < 1.0) || growthInterval < 1
                || !(initScale > 0) || !Float.isFinite((float) initScale)) {
            throw new IllegalArgumentException("loss scaling needs a finite positive scale, a growth factor above 1,"
                    + " a backoff factor in (0, 1) and a growth interval of at least 1");
        }
        this.scale = (float) initScale;
        this.growthFactor = growthFactor;
        this.backoffFactor = backoffFactor;
        this.growthInterval = growthInterval;
    }

    /** The current scale (a float32, as GradScaler's {@code get_scale()}). */
    public float scale() {
        return scale;
    }

    /** Steps in a row without an inf or NaN since the scale last changed. */
    public int growthTracker() {
        return growthTracker;
    }

    /** The scale and growth tracker, as a checkpoint keeps them (GradScaler's {@code state_dict()}). */
    public record State(float scale, int growthTracker) {
        /** Whether a scaler growing every {@code growthInterval} steps could be in this state. */
        public boolean isValidFor(int growthInterval) {
            return scale > 0 && Float.isFinite(scale) && growthTracker >= 0 && growthTracker < growthInterval;
        }

        @Override
        public String toString() {
            return "scale " + scale + ", growth tracker " + growthTracker;
        }
    }

    public State state() {
        return new State(scale, growthTracker);
    }

    /** Puts back a saved state (a resumed run). */
    public void restore(State saved) {
        restore(saved.scale(), saved.growthTracker());
    }

    /** Puts back a saved scale and growth tracker (a resumed run). */
    public void restore(float savedScale, int savedTracker) {
        State saved = new State(savedScale, savedTracker);
        if (!saved.isValidFor(growthInterval)) {
            throw new IllegalArgumentException("not a loss scaler state: " + saved);
        }
        scale = savedScale;
        growthTracker = savedTracker;
        foundInf = null;
    }

    /** {@code loss} times the scale, to call backward on. */
    public Tensor scale(Tensor loss) {
        return loss.mul(new Scalar(scale));
    }

    /**
     * Divides the gradients of {@code params} by the scale, in place (before gradient clipping), and records whether
     * any held an inf or NaN. Once per step.
     *
     * @return whether a gradient was not finite
     */
    public boolean unscale(TensorVector params) {
        if (foundInf != null) {
            throw new IllegalStateException("unscale() has already been called since the last update()");
        }
        double invScale = (float) (1.0 / scale); // GradScaler: scale.double().reciprocal().float()
        Scalar inv = new Scalar(invScale);
        TensorVector finite = new TensorVector();
        for (long i = 0; i < params.size(); i++) {
            Tensor g = params.get(i).grad();
            if (g.defined()) {
                finite.push_back(torch.isfinite(g).all());
                g.mul_(inv);
            }
        }
        foundInf = finite.size() > 0 && !torch.stack(finite).all().item_bool();
        return foundInf;
    }

    /**
     * Unscales the gradients unless {@link #unscale} already did this step, then runs {@code optimizer}'s step
     * unless a gradient was not finite.
     *
     * @return whether the optimiser stepped
     */
    public boolean step(Optimizer optimizer, TensorVector params) {
        if (foundInf == null) {
            unscale(params);
        }
        if (foundInf) {
            return false;
        }
        optimizer.step();
        return true;
    }

    /** Backs the scale off after a step with an inf or NaN, or grows it after enough good steps in a row. */
    public void update() {
        if (foundInf == null) {
            throw new IllegalStateException("update() needs the gradients of this step unscaled first");
        }
        if (foundInf) {
            scale = (float) (scale * backoffFactor);
            growthTracker = 0;
        } else if (growthTracker + 1 == growthInterval) {
            float grown = (float) (scale * growthFactor);
            if (Float.isFinite(grown)) {
                scale = grown;
            }
            growthTracker = 0;
        } else {
            growthTracker++;
        }
        foundInf = null;
    }
}
