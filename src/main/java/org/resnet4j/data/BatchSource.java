package org.resnet4j.data;

import java.util.List;

/**
 * Where a training or evaluation loop takes its batches from, epoch by epoch: the in-memory {@link DataLoader}, a
 * streaming folder ({@link org.resnet4j.data.stream.StreamingLoader}) or tar shards
 * ({@link org.resnet4j.data.shard.ShardLoader}).
 */
public interface BatchSource extends AutoCloseable {
    /** Batches in each epoch (what schedules count with). */
    int batchesPerEpoch();

    /** The batches of {@code epoch} from batch {@code first} on (0 for a whole epoch). */
    BatchStream epoch(int epoch, int first);

    /** Images per epoch. */
    long images();

    List<String> classNames();

    /** Images found unreadable and skipped so far in {@code epoch} (0 for in-memory data). */
    default long badImages(int epoch) {
        return 0;
    }

    @Override
    void close();
}
