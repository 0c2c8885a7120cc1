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
 * <p>With {@code repetitions} R > 1 it is torchvision's {@code RASampler} (repeated augmentation, from DeiT): each
 * image of the permutation is repeated R times in a row, the list padded from its beginning to a multiple of the
 * world size, and rank r takes every world-th position from r, so the R copies of an image go to different ranks
 * (when the world has at least R ranks) and are augmented differently; each rank stops after ⌊n / world⌋ images, so
 * that an epoch is as long as without repetition and covers about 1/R of the images. torchvision first rounds the
 * epoch down to a multiple of 256 images (DeiT's), which would leave a small dataset with no epoch at all; resnet4j
 * does not.
 *
 * @param padded      pad to a multiple of the world size (training), or not (evaluation)
 * @param repetitions copies of each image in an epoch's order (1: none)
 */
public record DistributedSampler(int rank, int worldSize, boolean padded, int repetitions) {
    /** One process: the whole order, unchanged. */
    public static final DistributedSampler WHOLE = new DistributedSampler(0, 1, true);

    public DistributedSampler {
        if (worldSize < 1 || rank < 0 || rank >= worldSize) {
            throw new IllegalArgumentException("rank " + rank + " outside a world of " + worldSize);
        }
        if (repetitions < 1) {
            throw new IllegalArgumentException("repetitions must be at least 1, got " + repetitions);
        }
    }

    public DistributedSampler(int rank, int worldSize, boolean padded) {
        this(rank, worldSize, padded, 1);
    }

    /** This sampler with each image repeated {@code n} times an epoch (torchvision's {@code --ra-reps}). */
    public DistributedSampler withRepetitions(int n) {
        return new DistributedSampler(rank, worldSize, padded, n);
    }

    public static DistributedSampler training(int rank, int worldSize) {
        return new DistributedSampler(rank, worldSize, true);
    }

    public static DistributedSampler evaluation(int rank, int worldSize) {
        return new DistributedSampler(rank, worldSize, false);
    }

    /** This rank's evaluation counterpart: the same rank, no padding, no repetition. */
    public DistributedSampler forEvaluation() {
        return new DistributedSampler(rank, worldSize, false);
    }

    public boolean isWhole() {
        return worldSize == 1;
    }

    /** Images this rank takes from an epoch of {@code n}. */
    public int size(int n) {
        if (repetitions > 1) {
            return n / worldSize;
        }
        if (padded) {
            return (int) ((n + (long) worldSize - 1) / worldSize);
        }
        return n <= rank ? 0 : (n - rank + worldSize - 1) / worldSize;
    }

    /** This rank's share of an epoch's {@code order} (a permutation of the dataset's indices, the same on every rank). */
    public int[] shard(int[] order) {
        if (repetitions > 1) {
            long total = (long) order.length * repetitions;
            int[] mine = new int[size(order.length)];
            for (int k = 0; k < mine.length; k++) {
                mine[k] = order[(int) ((rank + (long) k * worldSize) % total / repetitions)];
            }
            return mine;
        }
        if (worldSize == 1) {
            return order;
        }
        int[] mine = new int[size(order.length)];
        for (int k = 0; k < mine.length; k++) {
            mine[k] = order[(rank + k * worldSize) % order.length]; // positions past the end wrap: the padding
        }
        return mine;
    }

    /**
     * Which copy of its image position {@code k} of this rank's share is (0 to repetitions − 1), so that the copies
     * of an image are augmented with different draws.
     */
    public int repetition(int k) {
        return repetitions == 1 ? 0 : (int) ((rank + (long) k * worldSize) % repetitions);
    }
}
