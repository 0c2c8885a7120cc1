package org.resnet4j.train;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import org.bytedeco.pytorch.Optimizer;
import org.bytedeco.pytorch.OptimizerParamGroup;
import org.bytedeco.pytorch.OptimizerParamGroupVector;
import org.bytedeco.pytorch.StringTensorDict;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.resnet4j.model.Freeze;
import org.resnet4j.model.ResNet;

/**
 * An optimiser's parameter groups and the learning rate of each relative to the schedule's (the classifier's
 * {@code --head-lr}), as PyTorch users build them: {@code SGD([{"params": backbone}, {"params": fc, "lr": ...}])}.
 * Groups are laid out in a fixed order (body with decay, body without, head with decay, head without, then any
 * added when a frozen part is released), so that a resumed run rebuilds the layout its saved state refers to.
 */
public final class ParamGroups {
    private final Optimizer optimizer;
    private final List<Double> scales = new ArrayList<>();
    /** The net and its settings when a frozen part is to be released at {@code --unfreeze-at}, else null. */
    private ResNet net;
    private OptimSettings settings;

    private ParamGroups(Optimizer optimizer, List<Double> scales) {
        this.optimizer = optimizer;
        this.scales.addAll(scales);
    }

    /** An optimiser built elsewhere: every group follows the schedule's rate. */
    public static ParamGroups of(Optimizer optimizer) {
        List<Double> ones = new ArrayList<>();
        for (long i = 0; i < optimizer.param_groups().size(); i++) {
            ones.add(1.0);
        }
        return new ParamGroups(optimizer, ones);
    }

    /**
     * The optimiser {@code c} describes over the parameters of {@code net} that require gradients (frozen ones are
     * left out, so they get neither updates nor weight decay).
     */
    static ParamGroups create(ResNet net, OptimSettings c) {
        return create(net, c, 0);
    }

    /**
     * Freezes {@code c.freeze()} in {@code net} and builds the optimiser over the rest, for a run whose epoch
     * {@code epoch} (0-based) comes next: a run resumed after {@code --unfreeze-at} gets the released part's groups
     * too, in the order the run added them, so that its saved optimiser state fits.
     */
    public static ParamGroups create(ResNet net, OptimSettings c, int epoch) {
        net.freeze(c.freeze());
        ParamGroups g = build(net, c);
        if (c.unfreezeAt() > 0) {
            g.net = net;
            g.settings = c;
            g.startEpoch(epoch);
        }
        return g;
    }

    /**
     * Releases the frozen part when epoch {@code epoch} (0-based) is the one {@code --unfreeze-at} names or later:
     * its parameters train from then on, in groups of their own at the schedule's rate. Returns what it did, or null.
     */
    public String startEpoch(int epoch) {
        if (net == null || epoch < settings.unfreezeAt() || net.frozen().kind() == Freeze.Kind.NONE) {
            return null;
        }
        Freeze released = net.frozen();
        net.freeze(Freeze.NONE);
        add(net, settings, released::covers);
        return "epoch " + (epoch + 1) + ": " + released + " unfrozen, trained from now on";
    }

    private static ParamGroups build(ResNet net, OptimSettings c) {
        List<Group> groups = groups(net, c, Tensor::requires_grad);
        if (groups.isEmpty()) {
            throw new IllegalArgumentException("every parameter is frozen: nothing to train");
        }
        Group first = groups.get(0);
        Optimizer opt = Optimizers.create(first.params, c, first.weightDecay, first.scale);
        ParamGroups g = new ParamGroups(opt, List.of(first.scale));
        g.addAll(groups.subList(1, groups.size()), c);
        return g;
    }

    /** Adds groups for the parameters of {@code net} named by {@code released} (a part just unfrozen). */
    void add(ResNet net, OptimSettings c, Predicate<String> released) {
        addAll(groups(net, c, null).stream().map(g -> g.only(released)).filter(g -> g.params.size() > 0)
                .toList(), c);
    }

    private void addAll(List<Group> groups, OptimSettings c) {
        for (Group g : groups) {
            optimizer.add_param_group(new OptimizerParamGroup(g.params, Optimizers.options(c, g.weightDecay,
                    g.scale)));
            scales.add(g.scale);
        }
    }

    public Optimizer optimizer() {
        return optimizer;
    }

    public int size() {
        return scales.size();
    }

    /** Sets each group's rate to {@code lr} times its scale. */
    public void setLr(double lr) {
        OptimizerParamGroupVector groups = optimizer.param_groups();
        for (long i = 0; i < groups.size(); i++) {
            groups.get(i).options().set_lr(lr * (i < scales.size() ? scales.get((int) i) : 1.0));
        }
    }

    private record Group(TensorVector params, List<String> names, double weightDecay, double scale) {
        Group only(Predicate<String> keep) {
            TensorVector v = new TensorVector();
            List<String> n = new ArrayList<>();
            for (int i = 0; i < names.size(); i++) {
                if (keep.test(names.get(i))) {
                    v.push_back(params.get(i));
                    n.add(names.get(i));
                }
            }
            return new Group(v, n, weightDecay, scale);
        }
    }

    /**
     * The parameters accepted by {@code include} (all when null) in the fixed group order; with
     * {@code --no-decay-bn-bias}, every 1-dimensional parameter (BatchNorm weights, biases) goes without decay.
     */
    private static List<Group> groups(ResNet net, OptimSettings c, Predicate<Tensor> include) {
        List<Group> out = new ArrayList<>();
        StringTensorDict params = net.named_parameters(true);
        for (boolean head : new boolean[] {false, true}) {
            if (head && c.headLr() == null) {
                continue; // the classifier stays in the body's groups, as in a plain optimiser
            }
            for (boolean decay : new boolean[] {true, false}) {
                TensorVector v = new TensorVector();
                List<String> names = new ArrayList<>();
                for (long i = 0; i < params.size(); i++) {
                    String name = params.get(i).key().getString();
                    Tensor t = params.get(i).value();
                    boolean isHead = c.headLr() != null && name.startsWith("fc.");
                    boolean decays = !c.noDecayBnBias() || t.dim() > 1;
                    if (isHead == head && decays == decay && (include == null || include.test(t))) {
                        v.push_back(t);
                        names.add(name);
                    }
                }
                if (!names.isEmpty()) {
                    out.add(new Group(v, names, decay ? c.weightDecay() : 0, head ? c.headLrScale() : 1));
                }
            }
        }
        return out;
    }
}
