package org.resnet4j.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.pytorch.AdamW;
import org.bytedeco.pytorch.AdamWOptions;
import org.bytedeco.pytorch.DeviceOptional;
import org.bytedeco.pytorch.InputArchive;
import org.bytedeco.pytorch.Optimizer;
import org.bytedeco.pytorch.OptimizerOptions;
import org.bytedeco.pytorch.OptimizerParamGroupVector;
import org.bytedeco.pytorch.OutputArchive;
import org.bytedeco.pytorch.SGD;
import org.bytedeco.pytorch.SGDOptions;
import org.bytedeco.pytorch.TensorVector;
import org.resnet4j.engine.ComputeDevice;
import org.resnet4j.model.ResNet;

/**
 * libtorch's own SGD and AdamW, which implement PyTorch's update rules (weight decay added to the gradient for SGD,
 * decoupled for AdamW; momentum buffer started from the first gradient; Nesterov as PyTorch).
 */
public final class Optimizers {
    private Optimizers() {
    }

    /**
     * The optimiser {@code c} describes over the model's parameters that require gradients; with
     * {@code noDecayBnBias}, BatchNorm weights and all biases (every 1-dimensional parameter) form a group without
     * weight decay, and with {@code --head-lr} the classifier has groups of its own ({@link ParamGroups}).
     */
    public static Optimizer create(ResNet net, OptimSettings c) {
        return ParamGroups.create(net, c).optimizer();
    }

    /** An optimiser over one first group, at {@code lrScale} times the configured rate. */
    static Optimizer create(TensorVector params, OptimSettings c, double weightDecay, double lrScale) {
        return c.optimizer() == OptimSettings.Kind.ADAMW ? new AdamW(params, adamW(c, weightDecay, lrScale))
                : new SGD(params, sgd(c, weightDecay, lrScale));
    }

    static OptimizerOptions options(OptimSettings c, double weightDecay, double lrScale) {
        return c.optimizer() == OptimSettings.Kind.ADAMW ? adamW(c, weightDecay, lrScale)
                : sgd(c, weightDecay, lrScale);
    }

    /** Plain SGD over every parameter, as {@code torch.optim.SGD(model.parameters(), lr, momentum, weight_decay)}. */
    public static Optimizer sgd(ResNet net, double lr, double momentum, double weightDecay) {
        return new SGD(net.parameters(), sgd(lr, momentum, false, weightDecay));
    }

    private static SGDOptions sgd(OptimSettings c, double weightDecay, double lrScale) {
        SGDOptions o = sgd(c.lr() * lrScale, c.momentum(), c.nesterov(), weightDecay);
        o.dampening().put(c.dampening());
        return o;
    }

    private static SGDOptions sgd(double lr, double momentum, boolean nesterov, double weightDecay) {
        SGDOptions o = new SGDOptions(lr);
        o.momentum().put(momentum);
        o.weight_decay().put(weightDecay);
        o.nesterov().put(nesterov);
        return o;
    }

    private static AdamWOptions adamW(OptimSettings c, double weightDecay, double lrScale) {
        AdamWOptions o = new AdamWOptions(c.lr() * lrScale);
        // betas() points at a std::tuple<double, double>, which libstdc++ lays out last element first: beta2 sits at
        // offset 0. Writing (beta1, beta2) in order swaps them; OptimizerParityTest catches it against PyTorch.
        o.betas().put(0, c.betas().beta2()).put(1, c.betas().beta1());
        o.eps().put(c.eps());
        o.weight_decay().put(weightDecay);
        return o;
    }

    public static void setLr(Optimizer opt, double lr) {
        OptimizerParamGroupVector groups = opt.param_groups();
        for (long i = 0; i < groups.size(); i++) {
            groups.get(i).options().set_lr(lr);
        }
    }

    /** The optimiser's state (momentum buffers, Adam moments, step counts) in libtorch's archive format. */
    public static byte[] state(Optimizer opt) throws IOException {
        OutputArchive archive = new OutputArchive();
        opt.save(archive);
        Path tmp = Files.createTempFile("resnet4j-optimizer", ".pt");
        try {
            archive.save_to(tmp.toString());
            return Files.readAllBytes(tmp);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    public static void loadState(Optimizer opt, byte[] state) {
        loadState(opt, state, ComputeDevice.CPU);
    }

    /** As {@link #loadState(Optimizer, byte[])}, with the state's tensors (momentum buffers) put on {@code device}. */
    public static void loadState(Optimizer opt, byte[] state, ComputeDevice device) {
        InputArchive archive = new InputArchive();
        BytePointer data = new BytePointer(state.length);
        data.put(state);
        if (device.isCuda()) {
            archive.load_from(data, state.length, new DeviceOptional(device.torchDevice()));
        } else {
            archive.load_from(data, state.length);
        }
        opt.load(archive);
    }
}
