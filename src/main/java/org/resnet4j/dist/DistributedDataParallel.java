package org.resnet4j.dist;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

import org.bytedeco.pytorch.BoolVector;
import org.bytedeco.pytorch.LoggerOptional;
import org.bytedeco.pytorch.LongVector;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Reducer;
import org.bytedeco.pytorch.SizeTStringMap;
import org.bytedeco.pytorch.SizeTVector;
import org.bytedeco.pytorch.SizeTVectorVector;
import org.bytedeco.pytorch.StringTensorDict;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.resnet4j.engine.Tensors;

/**
 * PyTorch's {@code DistributedDataParallel}, replayed from Java on the engine DDP itself runs on: rank 0's parameters
 * and buffers are broadcast when it is made, and each step's gradients are averaged by c10d's {@link Reducer}, whose
 * autograd hooks all-reduce bucket after bucket while backward is still running. BatchNorm's statistics follow rank
 * 0's ({@code broadcast_buffers}).
 *
 * <p>A step is {@link #beforeForward()}, the forward pass, then {@link #backward} of the loss on every rank. A rank
 * must never skip backward alone (the others would wait for its gradients): agree on the loss first.
 */
public final class DistributedDataParallel {
    /** DDP's {@code _DEFAULT_FIRST_BUCKET_BYTES}: a small first bucket starts communication early in backward. */
    private static final long FIRST_BUCKET_BYTES = torch.kDefaultFirstBucketBytes();
    /** {@code broadcast_coalesced}'s buffer size when DDP syncs the module's state (250 MiB, as PyTorch). */
    private static final long BROADCAST_BYTES = 250L << 20;

    private final WorkerGroup group;
    private final Module module;
    private final long bucketCapBytes;
    private final TensorVector params;
    private final TensorVector buffers;
    private final boolean broadcastBuffers;
    private final Reducer reducer;
    private final int buckets;

    /**
     * Makes {@code module} a replica of rank 0's: checks that every rank built the same model (names and shapes),
     * then broadcasts rank 0's parameters and buffers and builds the gradient buckets. Parameters that do not require
     * gradients (frozen layers) take no part in the all-reduce.
     */
    public DistributedDataParallel(WorkerGroup group, Module module, long bucketCapBytes,
            boolean broadcastBuffers) {
        if (!group.isDistributed()) {
            throw new IllegalArgumentException("DistributedDataParallel needs a group of more than one process");
        }
        this.group = group;
        this.module = module;
        this.bucketCapBytes = bucketCapBytes;
        this.broadcastBuffers = broadcastBuffers;
        requireSameModel(group, module);
        List<Tensor> trainable = new ArrayList<>();
        TensorVector all = module.parameters(true);
        for (long i = 0; i < all.size(); i++) {
            if (all.get(i).requires_grad()) {
                trainable.add(all.get(i));
            }
        }
        this.params = new TensorVector(trainable.toArray(Tensor[]::new));
        this.buffers = module.buffers(true);
        TensorVector states = new TensorVector();
        for (long i = 0; i < all.size(); i++) {
            states.push_back(all.get(i).detach()); // in-place writes into leaves that require grad, without autograd
        }
        for (long i = 0; i < buffers.size(); i++) {
            states.push_back(buffers.get(i));
        }
        broadcastCoalesced(states, "the start-up broadcast of rank 0's weights");

        BoolVector noSparse = new BoolVector(new boolean[(int) params.size()]);
        SizeTVectorVector assigned = torch.compute_bucket_assignment_by_size(params,
                new SizeTVector(FIRST_BUCKET_BYTES, bucketCapBytes), noSparse, new LongVector(), new LoggerOptional())
                .get0();
        List<SizeTVector> order = new ArrayList<>(List.of(assigned.get()));
        Collections.reverse(order); // as DDP does: gradients of the last layers are ready first
        this.buckets = order.size();
        this.reducer = new Reducer(params, new SizeTVectorVector(order.toArray(SizeTVector[]::new)),
                group.processGroup(), noSparse, bucketCapBytes, false, false, new SizeTStringMap(),
                FIRST_BUCKET_BYTES, false, false);
    }

    /** Every rank's model must have the same tensors under the same names: rank 0's are compared with each. */
    private static void requireSameModel(WorkerGroup group, Module module) {
        StringBuilder b = new StringBuilder();
        for (StringTensorDict d : List.of(module.named_parameters(true), module.named_buffers(true))) {
            for (long i = 0; i < d.size(); i++) {
                b.append(d.get(i).key().getString()).append(' ')
                        .append(Arrays.toString(Tensors.shape(d.get(i).value()))).append('\n');
            }
        }
        String mine = b.toString();
        String zero = group.broadcastString(mine, "the model check");
        try {
            group.agree("build the same model as rank 0", () -> {
                if (!zero.equals(mine)) {
                    throw new IllegalArgumentException("its model differs from rank 0's: " + firstDifference(zero,
                            mine) + " (same --model and data with the same classes on every rank?)");
                }
                return null;
            });
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String firstDifference(String zero, String mine) {
        List<String> a = zero.lines().toList();
        List<String> b = mine.lines().toList();
        for (int i = 0; i < Math.max(a.size(), b.size()); i++) {
            String x = i < a.size() ? a.get(i) : "nothing";
            String y = i < b.size() ? b.get(i) : "nothing";
            if (!x.equals(y)) {
                return "rank 0 has " + x + " where this rank has " + y;
            }
        }
        return "they differ";
    }

    /** A new replica of the same module, for when the set of parameters that require gradients has changed. */
    public DistributedDataParallel rebuilt() {
        return new DistributedDataParallel(group, module, bucketCapBytes, broadcastBuffers);
    }

    public WorkerGroup group() {
        return group;
    }

    /** Gradient buckets the all-reduce runs in. */
    public int buckets() {
        return buckets;
    }

    /**
     * Before the forward pass of a step that synchronises, what DDP's forward does first: rank 0's BatchNorm
     * statistics replace every rank's (not after the forward pass: backward checks that the statistics it saved
     * were not changed in place).
     */
    public void beforeForward() {
        syncBuffers();
        try {
            reducer.rebuild_buckets(); // once, after the first step, in the order gradients became ready
            reducer.prepare_for_forward();
        } catch (RuntimeException e) {
            throw group.failure(e, "the bucket rebuild");
        }
    }

    /** Rank 0's buffers (BatchNorm statistics) on every rank, as before each forward pass; before evaluating too. */
    public void syncBuffers() {
        if (broadcastBuffers && buffers.size() > 0) {
            broadcastCoalesced(buffers, "the BatchNorm statistics broadcast");
        }
    }

    /** Backward of {@code loss}: the Reducer all-reduces each bucket of gradients as soon as it is ready. */
    public void backward(Tensor loss) {
        try {
            reducer.prepare_for_backward(new TensorVector());
            loss.backward();
        } catch (RuntimeException e) {
            throw group.failure(e, "the gradient all-reduce");
        }
    }

    /**
     * What the ranks found wrong before backward, agreed: null when every rank's {@code mine} is null, else this
     * rank's reason or, on a rank that found nothing, which ranks did.
     */
    public String agree(String mine) {
        double[] flags = new double[group.size()];
        flags[group.rank()] = mine == null ? 0 : 1;
        flags = group.sum("the non-finite check", flags);
        if (mine != null) {
            return mine;
        }
        List<Integer> found = new ArrayList<>();
        for (int r = 0; r < flags.length; r++) {
            if (flags[r] > 0) {
                found.add(r);
            }
        }
        return found.isEmpty() ? null : WorkerGroup.ranks(found) + " found a non-finite loss or BatchNorm statistic";
    }

    private void broadcastCoalesced(TensorVector tensors, String during) {
        try (NoGradGuard g = new NoGradGuard()) {
            torch.broadcast_coalesced(group.processGroup(), tensors, BROADCAST_BYTES, 0);
        } catch (RuntimeException e) {
            throw group.failure(e, during);
        }
    }
}
