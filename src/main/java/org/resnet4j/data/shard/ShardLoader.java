package org.resnet4j.data.shard;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

import org.resnet4j.data.BadImageException;
import org.resnet4j.data.Batch;
import org.resnet4j.data.BatchSource;
import org.resnet4j.data.BatchStream;
import org.resnet4j.data.DataLoader;
import org.resnet4j.data.Shuffle;
import org.resnet4j.data.image.ImageReader;
import org.resnet4j.data.stream.BadImages;
import org.resnet4j.data.stream.SampleBatch;
import org.resnet4j.data.transform.EncodedImage;
import org.resnet4j.data.transform.ImageTransform;
import org.resnet4j.data.transform.OutputLayout;
import org.resnet4j.data.transform.Workspace;

/**
 * Batches from WebDataset tar shards, read sequentially (a network disk streams them): the shards are divided
 * among distributed ranks ({@code shard % worldSize == rank}) and then among this rank's data workers; each worker
 * reads its shards in a per-epoch order through a seeded shuffle buffer (WebDataset's {@code shuffle(n)}) and builds
 * whole batches from its stream; the consumer takes batches from the workers in turn. Memory is bounded by the
 * shuffle buffer (encoded images) and the prefetched batches.
 *
 * <p>As with WebDataset, which images share a batch depends on the number of workers and ranks; a seed repeats a
 * run with the same ones. Bad images are reported, counted and skipped (the worker's last batch is then shorter;
 * with more than a batch of them, the epoch can end a batch early: loop on {@code hasNext()}) or fatal.
 */
public final class ShardLoader implements BatchSource {
    /**
     * @param shuffleBuffer samples held for shuffling, across all workers (training only)
     * @param prefetch      batches each worker builds ahead
     */
    public record Options(int batchSize, boolean train, boolean dropLast, int workers, int prefetch, long seed,
            int shuffleBuffer, int rank, int worldSize, ImageTransform transform, OutputLayout layout,
            BadImages.Policy onBadImage, ImageReader.JpegDecoder decoder) {
        public Options {
            if (batchSize < 1 || workers < 1 || prefetch < 1) {
                throw new IllegalArgumentException("batch size, workers and prefetch must be at least 1");
            }
            if (worldSize < 1 || rank < 0 || rank >= worldSize) {
                throw new IllegalArgumentException("rank " + rank + " outside a world of " + worldSize);
            }
            if (shuffleBuffer < 1) {
                throw new IllegalArgumentException("the shuffle buffer holds at least one sample");
            }
        }

        public static Options training(int batchSize, int workers, long seed, ImageTransform transform,
                OutputLayout layout, BadImages.Policy onBadImage) {
            return new Options(batchSize, true, true, workers, 2, seed, 2000, 0, 1, transform, layout, onBadImage,
                    ImageReader.JpegDecoder.NATIVE);
        }

        public static Options evaluation(int batchSize, int workers, ImageTransform transform, OutputLayout layout,
                BadImages.Policy onBadImage) {
            return new Options(batchSize, false, false, workers, 2, 0, 1, 0, 1, transform, layout, onBadImage,
                    ImageReader.JpegDecoder.NATIVE);
        }

        public Options withRank(int r, int world) {
            return new Options(batchSize, train, dropLast, workers, prefetch, seed, shuffleBuffer, r, world,
                    transform, layout, onBadImage, decoder);
        }

        public Options withShuffleBuffer(int n) {
            return new Options(batchSize, train, dropLast, workers, prefetch, seed, n, rank, worldSize, transform,
                    layout, onBadImage, decoder);
        }
    }

    private final ShardSet set;
    private final Options options;
    private final BadImages bad;
    private final List<List<ShardSet.Shard>> perWorker = new ArrayList<>();
    private final int[] owner;
    private final long images;
    private final float[][] lut;

    public ShardLoader(ShardSet set, Options options, BadImages.Listener reports) {
        this.set = set;
        this.options = options;
        this.bad = new BadImages(options.onBadImage(), reports);
        this.lut = options.layout().normalization().lookupTables();
        List<ShardSet.Shard> mine = new ArrayList<>();
        for (int s = options.rank(); s < set.shards().size(); s += options.worldSize()) {
            mine.add(set.shards().get(s));
        }
        if (mine.isEmpty()) {
            throw new IllegalArgumentException(set.dir() + ": " + set.shards().size() + " " + set.split()
                    + " shard(s) cannot feed rank " + options.rank() + " of " + options.worldSize()
                    + "; pack with more, smaller shards (data pack --shard-samples)");
        }
        int w = Math.min(options.workers(), mine.size());
        for (int k = 0; k < w; k++) {
            List<ShardSet.Shard> list = new ArrayList<>();
            for (int s = k; s < mine.size(); s += w) {
                list.add(mine.get(s));
            }
            perWorker.add(list);
        }
        int[] batches = new int[w];
        long n = 0;
        for (int k = 0; k < w; k++) {
            long samples = perWorker.get(k).stream().mapToLong(ShardSet.Shard::samples).sum();
            n += samples;
            batches[k] = (int) (options.dropLast() ? samples / options.batchSize()
                    : (samples + options.batchSize() - 1) / options.batchSize());
        }
        this.images = n;
        // round robin over the workers, skipping those done: a fixed owner for every batch of an epoch
        List<Integer> owners = new ArrayList<>();
        int[] left = batches.clone();
        boolean any = true;
        while (any) {
            any = false;
            for (int k = 0; k < w; k++) {
                if (left[k] > 0) {
                    owners.add(k);
                    left[k]--;
                    any = true;
                }
            }
        }
        this.owner = owners.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Nothing to release between epochs: each epoch's workers end with its stream. */
    @Override
    public void close() {
    }

    /** Data workers actually used: no more than this rank's shards. */
    public int workers() {
        return perWorker.size();
    }

    public BadImages badImages() {
        return bad;
    }

    @Override
    public long badImages(int epoch) {
        return bad.count(epoch);
    }

    @Override
    public int batchesPerEpoch() {
        return owner.length;
    }

    @Override
    public long images() {
        return images;
    }

    @Override
    public java.util.List<String> classNames() {
        return set.classNames();
    }

    /** What a worker hands the consumer: a batch, the end of its stream, or the failure that ended it. */
    private record Item(Batch batch, RuntimeException failure) {
    }

    @Override
    public BatchStream epoch(int epoch, int first) {
        if (first < 0 || first > owner.length) {
            throw new IllegalArgumentException("batch " + first + " outside an epoch of " + owner.length);
        }
        int w = perWorker.size();
        int[] skip = new int[w];
        for (int b = 0; b < first; b++) {
            skip[owner[b]]++;
        }
        List<BlockingQueue<Item>> queues = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int k = 0; k < w; k++) {
            BlockingQueue<Item> q = new ArrayBlockingQueue<>(options.prefetch() + 1);
            queues.add(q);
            int worker = k;
            Thread t = new Thread(() -> produce(worker, epoch, skip[worker], q),
                    "resnet4j-shards-" + options.rank() + "-" + k);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
        return new BatchStream() {
            private int next = first;
            private boolean closed;
            private Item peeked;

            /** Waits for the next batch's worker; false at the end, or when a worker ran out early (bad images). */
            @Override
            public boolean hasNext() {
                if (closed || next >= owner.length) {
                    return false;
                }
                if (peeked == null) {
                    try {
                        peeked = queues.get(owner[next]).take();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException("interrupted while waiting for a batch", e);
                    }
                    if (peeked.batch() == null && peeked.failure() == null) {
                        close();
                        return false;
                    }
                }
                return true;
            }

            @Override
            public Batch next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                Item item = peeked;
                peeked = null;
                if (item.failure() != null) {
                    close();
                    throw item.failure();
                }
                next++;
                return item.batch();
            }

            @Override
            public void close() {
                if (closed) {
                    return;
                }
                closed = true;
                if (peeked != null && peeked.batch() != null) {
                    peeked.batch().close();
                }
                peeked = null;
                threads.forEach(Thread::interrupt);
                for (int k = 0; k < w; k++) {
                    try {
                        threads.get(k).join(10_000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    for (Item i; (i = queues.get(k).poll()) != null;) {
                        if (i.batch() != null) {
                            i.batch().close();
                        }
                    }
                }
            }
        };
    }

    private long workerSeed(int worker) {
        return options.seed() ^ (options.rank() * 4099L + worker + 1) * 0x632BE59BD9B4E019L;
    }

    /** Worker {@code w}'s epoch: read, shuffle, decode into batches, skip the first {@code skip} batches' images. */
    private void produce(int w, int epoch, int skip, BlockingQueue<Item> queue) {
        long seed = workerSeed(w);
        List<ShardSet.Shard> shards = new ArrayList<>(perWorker.get(w));
        if (options.train()) {
            int[] p = Shuffle.permutation(shards.size(), new SplittableRandom(DataLoader.mix(seed, epoch, -1)));
            List<ShardSet.Shard> s = new ArrayList<>();
            for (int i : p) {
                s.add(shards.get(i));
            }
            shards = s;
        }
        int bufferSize = options.train() ? Math.max(1, options.shuffleBuffer() / perWorker.size()) : 1;
        SplittableRandom shuffleRng = new SplittableRandom(DataLoader.mix(seed, epoch, -2));
        int bs = options.batchSize();
        int size = options.transform().size();
        float[] sample = new float[options.layout().channels() * size * size];
        int batchesLeft = (int) java.util.Arrays.stream(owner).filter(o -> o == w).count();
        int counter = 0;
        try (Workspace ws = new Workspace(new ImageReader(options.decoder()));
             SampleStream stream = new SampleStream(shards, bufferSize, shuffleRng, options.train())) {
            for (int b = 0; b < batchesLeft; b++) {
                if (b < skip) {
                    for (int i = 0; i < bs && stream.next() != null; i++) {
                        counter++;
                    }
                    continue;
                }
                SampleBatch out = new SampleBatch(bs, options.layout(), size);
                try {
                    while (out.written() < bs) {
                        TarSamples.Sample s = stream.next();
                        if (s == null) {
                            break;
                        }
                        String name = s.name();
                        int index = counter++;
                        try {
                            if (s.image() == null || s.label() < 0 || s.label() >= set.classNames().size()) {
                                throw new IOException(s.image() == null ? "no image in the sample"
                                        : "class " + s.label() + " outside 0.." + (set.classNames().size() - 1));
                            }
                            SplittableRandom rng = new SplittableRandom(DataLoader.mix(seed, epoch, index));
                            options.transform().apply(new EncodedImage(s.image(), s.length(), name), rng, ws,
                                    options.layout(), lut, sample);
                            out.put(sample, s.label());
                        } catch (Exception e) {
                            bad.record(epoch, name, e);
                            if (options.onBadImage() == BadImages.Policy.FAIL) {
                                throw new BadImageException(name + ": " + e.getMessage()
                                        + " (--on-bad-image skip reports and skips such images)", e);
                            }
                        }
                    }
                } catch (RuntimeException | Error e) {
                    out.abandon();
                    throw e;
                }
                if (out.written() == 0) {
                    out.abandon();
                    queue.put(new Item(null, null));
                    return;
                }
                queue.put(new Item(out.finish(), null));
            }
        } catch (InterruptedException e) {
            // the consumer closed the epoch
        } catch (RuntimeException e) {
            queue.offer(new Item(null, e));
        } catch (IOException e) {
            queue.offer(new Item(null, new IllegalStateException(e.getMessage(), e)));
        }
    }

    /** A worker's shards read one after another through a shuffle buffer (WebDataset's {@code shuffle}). */
    private static final class SampleStream implements AutoCloseable {
        private final List<ShardSet.Shard> shards;
        private final int bufferSize;
        private final SplittableRandom rng;
        private final boolean shuffle;
        private final List<TarSamples.Sample> buffer = new ArrayList<>();
        private int shard;
        private TarSamples current;

        SampleStream(List<ShardSet.Shard> shards, int bufferSize, SplittableRandom rng, boolean shuffle) {
            this.shards = shards;
            this.bufferSize = bufferSize;
            this.rng = rng;
            this.shuffle = shuffle;
        }

        private TarSamples.Sample read() throws IOException {
            while (true) {
                if (current == null) {
                    if (shard >= shards.size()) {
                        return null;
                    }
                    current = new TarSamples(shards.get(shard++).file());
                }
                TarSamples.Sample s = current.next(true);
                if (s != null) {
                    if (s.extension() == null && s.label() < 0) {
                        continue; // neither image nor class: not a sample resnet4j reads
                    }
                    return s;
                }
                current.close();
                current = null;
            }
        }

        TarSamples.Sample next() throws IOException {
            if (Thread.currentThread().isInterrupted()) {
                throw new java.io.InterruptedIOException();
            }
            if (!shuffle) {
                return read();
            }
            while (buffer.size() < bufferSize) {
                TarSamples.Sample s = read();
                if (s == null) {
                    break;
                }
                buffer.add(s);
            }
            if (buffer.isEmpty()) {
                return null;
            }
            int j = rng.nextInt(buffer.size());
            TarSamples.Sample out = buffer.get(j);
            buffer.set(j, buffer.get(buffer.size() - 1));
            buffer.remove(buffer.size() - 1);
            return out;
        }

        @Override
        public void close() throws IOException {
            if (current != null) {
                current.close();
            }
        }
    }
}
