package org.resnet4j.train;

import java.util.List;

/**
 * The learning rate at each optimisation step, computed from the step alone so that a resumed run continues on
 * exactly the same curve. Step {@code s} is the s-th update (0-based); schedules match PyTorch's schedulers stepped
 * once per iteration.
 */
@FunctionalInterface
public interface LrSchedule {
    double lr(long step);

    /**
     * The schedule {@code c} describes from learning rate {@code base}, over {@code stepsPerEpoch × epochs} steps,
     * with its linear warm-up.
     */
    static LrSchedule of(ScheduleSettings c, double base, int epochs, long stepsPerEpoch) {
        long total = stepsPerEpoch * epochs;
        long warmup = Math.round(c.warmupEpochs() * stepsPerEpoch);
        LrSchedule main = switch (c.schedule()) {
            case MULTISTEP -> multiStep(base, c.gamma(), milestoneSteps(c, stepsPerEpoch));
            case COSINE -> cosine(base, c.minLr(), warmup, total);
            case ONECYCLE -> oneCycle(base, c.pctStart(), 25, 1e4, total);
            case CONSTANT -> step -> base;
        };
        if (warmup > 0 && c.warmupStartFactor() != null) {
            return withLinearWarmup(main, warmup, c.warmupStartFactor());
        }
        return warmup > 0 ? withWarmup(main, warmup) : main;
    }

    private static List<Long> milestoneSteps(ScheduleSettings c, long stepsPerEpoch) {
        if (!c.milestoneSteps().isEmpty()) {
            return c.milestoneSteps();
        }
        return c.milestones().stream().map(e -> Math.round(e * stepsPerEpoch)).toList();
    }

    /** MultiStepLR: the rate times gamma for every milestone passed. */
    static LrSchedule multiStep(double base, double gamma, List<Long> milestones) {
        return step -> base * Math.pow(gamma, milestones.stream().filter(m -> step >= m).count());
    }

    /** CosineAnnealingLR from base to min over the steps after the warm-up. */
    static LrSchedule cosine(double base, double min, long warmup, long total) {
        long span = Math.max(1, total - warmup);
        return step -> {
            double t = Math.min(1.0, Math.max(0, step - warmup) / (double) span);
            return min + (base - min) * (1 + Math.cos(Math.PI * t)) / 2;
        };
    }

    /**
     * OneCycleLR with cosine annealing: from max/div up to max over {@code pct} of the steps, then down to
     * max/(div·finalDiv), PyTorch's defaults being div 25 and finalDiv 1e4.
     */
    static LrSchedule oneCycle(double max, double pct, double div, double finalDiv, long total) {
        double initial = max / div;
        double last = initial / finalDiv;
        double up = pct * total - 1;
        double down = total - 1 - up;
        return step -> {
            if (step <= up) {
                return anneal(initial, max, up <= 0 ? 1 : step / up);
            }
            return anneal(max, last, down <= 0 ? 1 : Math.min(1, (step - up) / down));
        };
    }

    private static double anneal(double from, double to, double t) {
        return to + (from - to) * (1 + Math.cos(Math.PI * t)) / 2;
    }

    /**
     * torchvision's LinearLR(start_factor) chained before the schedule: the rate times a factor rising linearly from
     * {@code start} at step 0 to 1 at step {@code warmup}.
     */
    static LrSchedule withLinearWarmup(LrSchedule main, long warmup, double start) {
        return step -> step < warmup ? main.lr(step) * (start + (1 - start) * step / warmup) : main.lr(step);
    }

    /** Linear warm-up from base/warmup to the schedule's value over the first {@code warmup} steps. */
    static LrSchedule withWarmup(LrSchedule main, long warmup) {
        return step -> step < warmup ? main.lr(step) * (step + 1) / warmup : main.lr(step);
    }
}
