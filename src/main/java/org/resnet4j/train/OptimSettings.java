package org.resnet4j.train;

import java.util.Locale;

import org.resnet4j.model.Freeze;

import picocli.CommandLine.Option;

/** The optimiser and the loss. */
public record OptimSettings(
        @Option(names = "--optimizer", paramLabel = "sgd|adamw", defaultValue = "sgd",
                description = "optimiser (default ${DEFAULT-VALUE})") Kind optimizer,
        @Option(names = "--lr", paramLabel = "LR", defaultValue = "0.1",
                description = "learning rate (default ${DEFAULT-VALUE}); one-cycle's peak") double lr,
        @Option(names = "--momentum", paramLabel = "M", defaultValue = "0.9",
                description = "SGD momentum (default ${DEFAULT-VALUE})") double momentum,
        @Option(names = "--nesterov", description = "Nesterov momentum") boolean nesterov,
        @Option(names = "--dampening", paramLabel = "D", defaultValue = "0",
                description = "SGD dampening of the momentum (default ${DEFAULT-VALUE})") double dampening,
        @Option(names = "--weight-decay", paramLabel = "WD", defaultValue = "5e-4",
                description = "weight decay (default ${DEFAULT-VALUE})") double weightDecay,
        @Option(names = "--no-decay-bn-bias",
                description = "exempt BatchNorm weights and biases from weight decay") boolean noDecayBnBias,
        @Option(names = "--betas", paramLabel = "B1,B2", defaultValue = "0.9,0.999",
                description = "AdamW betas (default ${DEFAULT-VALUE})") Betas betas,
        @Option(names = "--eps", paramLabel = "EPS", defaultValue = "1e-8",
                description = "AdamW epsilon (default ${DEFAULT-VALUE})") double eps,
        @Option(names = "--label-smoothing", paramLabel = "E", defaultValue = "0",
                description = "label smoothing (default ${DEFAULT-VALUE})") double labelSmoothing,
        @Option(names = "--grad-clip", paramLabel = "NORM", defaultValue = "0",
                description = "clip the gradient norm (default off)") double gradClip,
        @Option(names = "--freeze", paramLabel = "PART", defaultValue = "none",
                description = "fine-tuning: none (default), stem, layerK (the stem and stages 1..K) or backbone"
                        + " (all but the classifier); frozen parameters are not trained and frozen BatchNorm stays in"
                        + " eval mode") Freeze freeze,
        @Option(names = "--unfreeze-at", paramLabel = "E", defaultValue = "0",
                description = "train the frozen part too after E epochs (default 0: never)") int unfreezeAt,
        @Option(names = "--head-lr", paramLabel = "LR",
                description = "learning rate of the classifier fc, scheduled in proportion to --lr (default: --lr)")
        Double headLr,
        @Option(names = "--ema-decay", paramLabel = "D", defaultValue = "0",
                description = "keep an exponential moving average of the weights (timm's ModelEmaV3), evaluated and"
                        + " checkpointed alongside (default 0: off)") double emaDecay,
        @Option(names = "--ema-warmup",
                description = "EMA decay warm-up: 1 - (1 + step)^(-2/3), capped at --ema-decay") boolean emaWarmup,
        @Option(names = "--lr-batch", paramLabel = "N",
                description = "--lr is the rate for a batch of N images, scaled linearly to --batch-size x --accumulate"
                        + " (torchvision's recipes: 0.5 for 1024; default: --lr as given)") Integer lrBatch,
        @Option(names = "--ema-every", paramLabel = "N", defaultValue = "1",
                description = "update the EMA after every N-th optimiser step (default ${DEFAULT-VALUE})")
        int emaEvery,
        @Option(names = "--ema-copy-warmup",
                description = "the EMA copies the weights through the learning-rate warm-up (--warmup-epochs) and"
                        + " starts averaging after it, as torchvision's train.py") boolean emaCopyWarmup) {

    /** The optimisers resnet4j trains with: libtorch's own, which follow PyTorch's update rules. */
    public enum Kind {
        SGD, ADAMW;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** AdamW's moment decay rates, written {@code beta1,beta2}. */
    public record Betas(double beta1, double beta2) {
        public Betas {
            if (!(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1)) {
                throw new IllegalArgumentException("AdamW betas must be in [0, 1), got " + beta1 + "," + beta2);
            }
        }

        public static Betas parse(String text) {
            String[] p = text.split(",");
            try {
                if (p.length == 2) {
                    return new Betas(Double.parseDouble(p[0].trim()), Double.parseDouble(p[1].trim()));
                }
            } catch (NumberFormatException e) {
                // said below
            }
            throw new IllegalArgumentException("'" + text + "' is not two numbers like 0.9,0.999");
        }

        @Override
        public String toString() {
            return beta1 + "," + beta2;
        }
    }

    public OptimSettings {
        require(lr > 0 && Double.isFinite(lr), "--lr must be positive, got " + lr);
        require(momentum >= 0 && momentum < 1, "--momentum must be in [0, 1), got " + momentum);
        require(!nesterov || momentum > 0 && dampening == 0, "Nesterov momentum needs --momentum > 0 and no"
                + " --dampening");
        require(dampening >= 0 && dampening <= 1, "--dampening must be in [0, 1], got " + dampening);
        require(weightDecay >= 0, "--weight-decay cannot be negative, got " + weightDecay);
        require(eps > 0, "--eps must be positive, got " + eps);
        require(labelSmoothing >= 0 && labelSmoothing < 1, "--label-smoothing must be in [0, 1), got "
                + labelSmoothing);
        require(gradClip >= 0, "--grad-clip cannot be negative, got " + gradClip);
        freeze = freeze == null ? Freeze.NONE : freeze;
        require(unfreezeAt >= 0, "--unfreeze-at cannot be negative, got " + unfreezeAt);
        require(unfreezeAt == 0 || freeze.kind() != Freeze.Kind.NONE, "--unfreeze-at needs a --freeze to undo");
        require(headLr == null || (headLr > 0 && Double.isFinite(headLr)), "--head-lr must be positive, got "
                + headLr);
        require(emaDecay >= 0 && emaDecay < 1, "--ema-decay must be in [0, 1), got " + emaDecay);
        require(!emaWarmup || emaDecay > 0, "--ema-warmup needs --ema-decay");
        require(lrBatch == null || lrBatch >= 1, "--lr-batch must be at least 1, got " + lrBatch);
        require(emaEvery >= 1, "--ema-every must be at least 1, got " + emaEvery);
        require(!emaCopyWarmup || emaDecay > 0, "--ema-copy-warmup needs --ema-decay");
    }

    /** The peak learning rate for batches of {@code batch} images: {@code --lr}, scaled when --lr-batch is given. */
    public double lrFor(int batch) {
        return lrBatch == null ? lr : lr * batch / lrBatch;
    }

    /** The learning rate of the classifier relative to the rest: {@code --head-lr / --lr}. */
    public double headLrScale() {
        return headLr == null ? 1 : headLr / lr;
    }

    static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    /** A one-line description, for logs. */
    public String describe() {
        String opt = optimizer == Kind.SGD
                ? String.format(Locale.ROOT, "SGD lr %s momentum %s%s%s", lr, momentum,
                        dampening > 0 ? " dampening " + dampening : "", nesterov ? " (Nesterov)" : "")
                : String.format(Locale.ROOT, "AdamW lr %s betas (%s, %s)", lr, betas.beta1(), betas.beta2());
        return opt + " weight decay " + weightDecay + (noDecayBnBias ? " (not on BN and biases)" : "")
                + (labelSmoothing > 0 ? ", label smoothing " + labelSmoothing : "")
                + (gradClip > 0 ? ", gradient clipping " + gradClip : "")
                + (freeze.kind() != Freeze.Kind.NONE ? ", " + freeze + " frozen" + (unfreezeAt > 0
                        ? " for " + unfreezeAt + " epoch(s)" : "") : "")
                + (headLr != null ? ", head lr " + headLr : "")
                + (emaDecay > 0 ? ", weight EMA " + emaDecay + (emaWarmup ? " with warm-up" : "")
                        + (emaEvery > 1 ? " every " + emaEvery + " steps" : "")
                        + (emaCopyWarmup ? ", copied through the warm-up" : "") : "");
    }
}
