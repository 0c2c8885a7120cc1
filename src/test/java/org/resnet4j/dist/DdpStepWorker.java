package org.resnet4j.dist;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import org.bytedeco.pytorch.SGD;
import org.bytedeco.pytorch.SGDOptions;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.resnet4j.engine.Engine;
import org.resnet4j.engine.Precision;
import org.resnet4j.io.SafeTensors;
import org.resnet4j.io.StateDict;
import org.resnet4j.io.TensorFile;
import org.resnet4j.model.ResNet;
import org.resnet4j.model.ResNets;
import org.resnet4j.train.OnNonFinite;
import org.resnet4j.train.ParamGroups;
import org.resnet4j.train.TrainConfig;
import org.resnet4j.train.TrainStep;

/**
 * One process of the data-parallel tests: {@code resnet20} from the weights in {@code inputs} ({@code model.*}),
 * {@code steps} SGD steps (learning rate {@code lr}, momentum 0.9, weight decay 5e-4) on the batches {@code x<k>}/{@code y<k>}, of which
 * rank r of a world of w takes rows [r·n/w, (r+1)·n/w), with BatchNorm in train or eval mode, each step accumulated
 * over {@code accumulate} equal micro-batches of those rows; rank 0 writes the state dict to {@code out}. Run on its
 * own (no launch variables), it takes whole batches: the one-process reference.
 *
 * <p>With {@code unfreeze}, the net starts with its backbone frozen, and each step is an epoch of its own with
 * {@code --unfreeze-at 1}: the first trains the classifier alone, the rest every parameter.
 *
 * <p>Arguments: inputs out steps train|eval lr [accumulate [unfreeze]]
 */
public final class DdpStepWorker {
    private DdpStepWorker() {
    }

    public static void main(String[] args) throws Exception {
        Path inputs = Path.of(args[0]);
        Path out = Path.of(args[1]);
        int steps = Integer.parseInt(args[2]);
        boolean bnTrain = args[3].equals("train");
        double lr = Double.parseDouble(args[4]);
        int accumulate = args.length > 5 ? Integer.parseInt(args[5]) : 1;
        Engine.start(1);
        torch.manual_seed(0);
        try (WorkerGroup group = WorkerGroup.fromEnvironment(Duration.ofSeconds(60))) {
            TensorFile file = SafeTensors.read(inputs);
            Map<String, Tensor> model = new LinkedHashMap<>();
            file.tensors().forEach((k, v) -> {
                if (k.startsWith("model.")) {
                    model.put(k.substring("model.".length()), v);
                }
            });
            ResNet net = ResNets.create("resnet20");
            StateDict.load(net, model, true);
            net.train(bnTrain);
            boolean unfreeze = args.length > 6 && args[6].equals("unfreeze");
            ParamGroups groups;
            if (unfreeze) {
                groups = ParamGroups.create(net, TrainConfig.reference().with("--lr", String.valueOf(lr),
                        "--momentum", "0.9", "--weight-decay", "5e-4", "--freeze", "backbone", "--unfreeze-at", "1")
                        .optim(), 0);
            } else {
                SGDOptions o = new SGDOptions(lr);
                o.momentum().put(0.9);
                o.weight_decay().put(5e-4);
                groups = ParamGroups.of(new SGD(net.parameters(), o));
            }
            TrainStep step = new TrainStep(net, groups, new TrainStep.Options(Precision.FP32, 0, 0, accumulate, null),
                    OnNonFinite.STOP);
            if (group.isDistributed()) {
                step.distributed(new DistributedDataParallel(group, net, 25L << 20, true));
            }
            for (int k = 0; k < steps; k++) {
                if (unfreeze && step.startEpoch(k) != null) {
                    net.train(bnTrain); // freezing keeps frozen BatchNorm in eval mode; released, it follows the mode
                }
                Tensor x = file.tensors().get("x" + k);
                Tensor y = file.tensors().get("y" + k);
                long n = x.size(0);
                long from = n * group.rank() / group.size();
                long to = n * (group.rank() + 1) / group.size();
                long micro = (to - from) / accumulate;
                for (int m = 0; m < accumulate; m++) {
                    long a = from + m * micro;
                    TrainStep.Outcome r = step.run(rows(x, a, a + micro), rows(y, a, a + micro), lr, k,
                            step.window(m, accumulate));
                    if (r.nonFinite() != null) {
                        throw new IllegalStateException(r.nonFinite());
                    }
                }
            }
            if (group.isRankZero()) {
                SafeTensors.write(out, StateDict.of(net), Map.of());
            }
            group.barrier("the end");
        }
    }

    private static Tensor rows(Tensor t, long from, long to) {
        return t.narrow(0, from, to - from).contiguous();
    }
}
