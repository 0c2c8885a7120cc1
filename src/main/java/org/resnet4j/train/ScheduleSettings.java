package org.resnet4j.train;

import static org.resnet4j.train.OptimSettings.require;

import java.util.List;
import java.util.Locale;

import picocli.CommandLine.Option;

/** The learning-rate schedule, stepped once per iteration as PyTorch's schedulers are in the common recipes. */
public record ScheduleSettings(
        @Option(names = "--schedule", paramLabel = "KIND", defaultValue = "constant",
                description = "constant (default), multistep, cosine or onecycle") Kind schedule,
        @Option(names = "--milestones", paramLabel = "E,E", split = ",",
                description = "multistep: epochs to divide at") List<Double> milestones,
        @Option(names = "--milestone-steps", paramLabel = "S,S", split = ",",
                description = "multistep: iterations to divide at (the paper: 32000,48000)") List<Long> milestoneSteps,
        @Option(names = "--gamma", paramLabel = "G", defaultValue = "0.1",
                description = "multistep factor (default ${DEFAULT-VALUE})") double gamma,
        @Option(names = "--warmup-epochs", paramLabel = "E", defaultValue = "0",
                description = "linear warm-up (default ${DEFAULT-VALUE})") double warmupEpochs,
        @Option(names = "--warmup-start-factor", paramLabel = "F",
                description = "warm-up from F x the rate, as torchvision's LinearLR(start_factor=F) (default: from"
                        + " 1/warm-up steps)") Double warmupStartFactor,
        @Option(names = "--min-lr", paramLabel = "LR", defaultValue = "0",
                description = "cosine: final learning rate (default ${DEFAULT-VALUE})") double minLr,
        @Option(names = "--pct-start", paramLabel = "P", defaultValue = "0.3",
                description = "one-cycle: share of steps rising (default ${DEFAULT-VALUE})") double pctStart) {

    public enum Kind {
        CONSTANT, MULTISTEP, COSINE, ONECYCLE;

        /** Whether the curve's shape depends on the run's length, so that --epochs cannot change on resume. */
        public boolean dependsOnLength() {
            return this == COSINE || this == ONECYCLE;
        }

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public ScheduleSettings {
        milestones = milestones == null ? List.of() : List.copyOf(milestones);
        milestoneSteps = milestoneSteps == null ? List.of() : List.copyOf(milestoneSteps);
        require(schedule != Kind.MULTISTEP || !milestones.isEmpty() || !milestoneSteps.isEmpty(),
                "the multistep schedule needs --milestones (epochs) or --milestone-steps (iterations)");
        require(milestones.isEmpty() || milestoneSteps.isEmpty(), "give milestones in epochs or in steps, not both");
        require(milestones.stream().allMatch(m -> m >= 0) && milestoneSteps.stream().allMatch(m -> m >= 0),
                "milestones cannot be negative");
        require(gamma > 0 && gamma <= 1, "--gamma must be in (0, 1], got " + gamma);
        require(warmupEpochs >= 0, "--warmup-epochs cannot be negative, got " + warmupEpochs);
        require(schedule != Kind.ONECYCLE || warmupEpochs == 0, "one-cycle has its own warm-up (--pct-start)");
        require(warmupStartFactor == null || (warmupStartFactor > 0 && warmupStartFactor <= 1),
                "--warmup-start-factor must be in (0, 1], got " + warmupStartFactor);
        require(minLr >= 0, "--min-lr cannot be negative, got " + minLr);
        require(pctStart > 0 && pctStart < 1, "--pct-start must be in (0, 1), got " + pctStart);
    }

    /** A one-line description, for logs. */
    public String describe() {
        String s = switch (schedule) {
            case MULTISTEP -> "multistep x" + gamma + " at " + (milestones.isEmpty() ? "steps " + milestoneSteps
                    : "epochs " + milestones);
            case COSINE -> "cosine to " + minLr;
            case ONECYCLE -> "one-cycle (pct-start " + pctStart + ")";
            case CONSTANT -> "constant";
        };
        return s + " schedule" + (warmupEpochs > 0 ? ", warm-up " + warmupEpochs + " epochs" : "");
    }
}
