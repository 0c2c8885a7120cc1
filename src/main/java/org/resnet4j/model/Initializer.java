package org.resnet4j.model;

import java.util.List;

import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.StringTensorDict;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** Draws a fresh model's weights; libtorch's module constructors have already applied PyTorch's defaults. */
final class Initializer {
    private Initializer() {
    }

    static void apply(ResNet net, InitScheme scheme, boolean zeroInitResidual) {
        try (NoGradGuard guard = new NoGradGuard()) {
            if (scheme != InitScheme.PYTORCH) {
                StringTensorDict params = net.named_parameters();
                for (long i = 0; i < params.size(); i++) {
                    String name = params.get(i).key().getString();
                    Tensor w = params.get(i).value();
                    if (name.endsWith(".weight") && w.dim() >= 2 && isKaimingTarget(scheme, w)) {
                        torch.normal_(w, 0, Math.sqrt(2.0 / fan(scheme, w)));
                    }
                }
            }
            if (zeroInitResidual) {
                for (List<Block> stage : net.stages()) {
                    for (Block b : stage) {
                        torch.zeros_(b.lastBranchWeight());
                    }
                }
            }
        }
    }

    /** torchvision re-draws only convolutions; the He scheme convolutions and the classifier. */
    private static boolean isKaimingTarget(InitScheme scheme, Tensor w) {
        return w.dim() == 4 || scheme == InitScheme.HE;
    }

    private static long fan(InitScheme scheme, Tensor w) {
        long receptive = 1;
        for (int d = 2; d < w.dim(); d++) {
            receptive *= w.size(d);
        }
        return (scheme == InitScheme.TORCHVISION ? w.size(0) : w.size(1)) * receptive;
    }
}
