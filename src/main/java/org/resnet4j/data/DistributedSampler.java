package org.resnet4j.data;

/**
 * Which images of an epoch a rank takes, as {@code torch.utils.data.DistributedSampler} decides: every rank draws the
 * same seeded permutation of the epoch, which is padded (by repeating its beginning) to a multiple of the world size,
 * and rank r takes every world-th position from r. Each rank then has the same number of images, so all ranks run the
 * same number of steps, and every image is used once per epoch (a few twice, to pad).
 *
 * <p>For evaluation the order is not padded ({@link #evaluation}): rank r takes positions r, r + world, ... of the
 * split, so that summed over the ranks every image counts exactly once.
 *
 * @param padded pad to a multiple of the world size (training), or not (evaluation)
 */
public record DistributedSampler(int rank, int worldSize, boolean padded) {
    /** One process: the whole order, unchanged. */
    public static final DistributedSampler WHOLE = new DistributedSampler(0, 1, true);

    public DistributedSampler {
        if (worldSize < 1 || rank < 0 || rank >= worldSize) {
            throw new IllegalArgumentException("rank " + rank + " outside a world of " + worldSize);
        }
    }

    public static DistributedSampler training(int rank, int worldSize) {
        return new DistributedSampler(rank, worldSize, true);
    }

    public static DistributedSampler evaluation(int rank, int worldSize) {
        return new DistributedSampler(rank, worldSize, false);
    }

    /** This rank's evaluation counterpart: the same rank, no padding. */
    public DistributedSampler forEvaluation() {
        return new DistributedSampler(rank, worldSize, false);
    }

    public boolean isWhole() {
        return worldSize == 1;
    }

    /** Images this rank takes from an epoch of {@code n}. */
    public int size(int n) {
        if (padded) {
            return (int) ((n + (long) worldSize - 1) / worldSize);
        }
        return n <= rank ? 0 : (n - rank + worldSize - 1) / worldSize;
    }

    /** This rank's share of an epoch's {@code order} (a permutation of the dataset's indices, the same on every rank). */
    public int[] shard(int[] order) {
        if (worldSize == 1) {
            return order;
        }
        int[] mine = new int[size(order.length)];
        for (int k = 0; k < mine.length; k++) {
            mine[k] = order[(rank + k * worldSize) % order.length]; // positions past the end wrap: the padding
        }
        return mine;
    }
}
