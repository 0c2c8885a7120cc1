package org.resnet4j.data.stream;

import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import org.resnet4j.data.BadImageException;
import org.resnet4j.data.Batch;
import org.resnet4j.data.BatchSource;
import org.resnet4j.data.BatchStream;
import org.resnet4j.data.DataLoader;
import org.resnet4j.data.Prefetch;
import org.resnet4j.data.DistributedSampler;
import org.resnet4j.data.Shuffle;
import org.resnet4j.data.image.ImageReader;
import org.resnet4j.data.transform.EncodedImage;
import org.resnet4j.data.transform.ImageTransform;
import org.resnet4j.data.transform.OutputLayout;
import org.resnet4j.data.transform.Workspace;

/**
 * Batches decoded per step from an {@link ImageSource} (a folder of any size): data workers read, decode and
 * transform each image straight into the batch's native tensor, a bounded number of batches ahead, so memory
 * depends on the batch size and the prefetch depth, never on the dataset.
 *
 * <p>Training shuffles each epoch; every random draw of a sample comes from the seed, the epoch and the image's
 * index, so a seed repeats a run with any number of workers and an epoch resumes at any batch. Unreadable images are
 * handled by {@link BadImages}: training takes the next image of the epoch's order in their place (the batch keeps
 * its size, as timm does), evaluation leaves them out.
 */
public final class StreamingLoader implements BatchSource {
    /**
     * @param train    shuffle each epoch and replace bad images; otherwise in order, bad images left out
     * @param prefetch batches built ahead of the consumer (at least one per worker)
     */
    public record Options(int batchSize, boolean train, boolean dropLast, int workers, int prefetch, long seed,
            ImageTransform transform, OutputLayout layout, BadImages.Policy onBadImage,
            ImageReader.JpegDecoder decoder, DistributedSampler sampler) {
        public Options(int batchSize, boolean train, boolean dropLast, int workers, int prefetch, long seed,
                ImageTransform transform, OutputLayout layout, BadImages.Policy onBadImage,
                ImageReader.JpegDecoder decoder) {
            this(batchSize, train, dropLast, workers, prefetch, seed, transform, layout, onBadImage, decoder,
                    DistributedSampler.WHOLE);
        }

        /** These options for one process's share of a distributed run. */
        public Options sharedBy(DistributedSampler s) {
            return new Options(batchSize, train, dropLast, workers, prefetch, seed, transform, layout, onBadImage,
                    decoder, s);
        }

        public Options {
            if (batchSize < 1) {
                throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
            }
            if (workers < 1) {
                throw new IllegalArgumentException("data workers must be at least 1, got " + workers);
            }
            prefetch = Math.max(prefetch, workers);
        }

        public static Options training(int batchSize, int workers, long seed, ImageTransform transform,
                OutputLayout layout, BadImages.Policy onBadImage) {
            return new Options(batchSize, true, true, workers, 2 * workers, seed, transform, layout, onBadImage,
                    ImageReader.JpegDecoder.NATIVE);
        }

        public static Options evaluation(int batchSize, int workers, ImageTransform transform, OutputLayout layout,
                BadImages.Policy onBadImage) {
            return new Options(batchSize, false, false, workers, 2 * workers, 0, transform, layout, onBadImage,
                    ImageReader.JpegDecoder.NATIVE);
        }
    }

    /** A worker's decoder, scratch images and buffers. */
    private final class Worker implements AutoCloseable {
        final Workspace ws = new Workspace(new ImageReader(options.decoder()));
        final ReadBuffer buffer = new ReadBuffer();
        final float[] sample = new float[options.layout().channels() * options.transform().size()
                * options.transform().size()];

        @Override
        public void close() {
            ws.close();
        }
    }

    /** Consecutive failures after which skipping gives up: the data, not an image, is broken. */
    static final int MAX_CONSECUTIVE_BAD = 64;

    private final ImageSource source;
    private final Options options;
    private final BadImages bad;
    private final ExecutorService workers;
    private final SampleBatch.Registry<Worker> registry = new SampleBatch.Registry<>();
    private final ThreadLocal<Worker> worker;
    private final float[][] lut;

    public StreamingLoader(ImageSource source, Options options, BadImages.Listener reports) {
        this.source = source;
        this.options = options;
        this.bad = new BadImages(options.onBadImage(), reports);
        this.workers = Prefetch.workers("stream", options.workers());
        this.worker = ThreadLocal.withInitial(() -> registry.add(new Worker()));
        this.lut = options.layout().normalization().lookupTables();
    }

    public Options options() {
        return options;
    }

    public BadImages badImages() {
        return bad;
    }

    @Override
    public long badImages(int epoch) {
        return bad.count(epoch);
    }

    @Override
    public long images() {
        return options.sampler().size(source.size());
    }

    @Override
    public List<String> classNames() {
        return source.classNames();
    }

    @Override
    public int batchesPerEpoch() {
        int n = options.sampler().size(source.size());
        int full = n / options.batchSize();
        return options.dropLast() || n % options.batchSize() == 0 ? full : full + 1;
    }

    /** The order of this process's images in {@code epoch}. */
    public int[] order(int epoch) {
        int[] all = options.train() ? Shuffle.permutation(source.size(), new SplittableRandom(DataLoader.mix(
                options.seed(), epoch, -1))) : IntStream.range(0, source.size()).toArray();
        return options.sampler().shard(all);
    }

    @Override
    public BatchStream epoch(int epoch, int first) {
        int count = batchesPerEpoch();
        if (first < 0 || first > count) {
            throw new IllegalArgumentException("batch " + first + " outside an epoch of " + count);
        }
        int[] order = order(epoch);
        return Prefetch.stream(workers, first, count, options.prefetch(), b -> build(order, epoch, b));
    }

    private Batch build(int[] order, int epoch, int b) {
        int from = b * options.batchSize();
        int to = Math.min(order.length, from + options.batchSize());
        Worker w = worker.get();
        SampleBatch out = new SampleBatch(to - from, options.layout(), options.transform().size());
        try {
            for (int p = from; p < to; p++) {
                int index = order[p];
                int copy = options.sampler().repetition(p);
                int tries = 0;
                while (!decode(index, epoch, copy, w)) {
                    if (!options.train()) {
                        index = -1;
                        break;
                    }
                    if (++tries >= MAX_CONSECUTIVE_BAD || tries >= order.length) {
                        throw new BadImageException(MAX_CONSECUTIVE_BAD + " images in a row could not be read, the"
                                + " last " + source.name(index) + "; is the data folder intact?", null);
                    }
                    index = order[(p + tries) % order.length];
                }
                if (index >= 0) {
                    out.put(w.sample, source.label(index));
                }
            }
            return out.finish();
        } catch (RuntimeException | Error e) {
            out.abandon();
            throw e;
        }
    }

    /**
     * Decodes image {@code index} into the worker's sample; false when it is bad and skipped. The copies of an image
     * that repeated augmentation puts in one epoch draw differently.
     */
    private boolean decode(int index, int epoch, int copy, Worker w) {
        EncodedImage img = null;
        try {
            img = source.read(index, w.buffer);
            long seed = DataLoader.mix(options.seed(), epoch, index);
            SplittableRandom rng = new SplittableRandom(copy == 0 ? seed : DataLoader.mix(seed, copy, -1));
            options.transform().apply(img, rng, w.ws, options.layout(), lut, w.sample);
            return true;
        } catch (Exception e) {
            String name = img != null ? img.name() : source.name(index);
            bad.record(epoch, name, e);
            if (options.onBadImage() == BadImages.Policy.FAIL) {
                throw new BadImageException(name + ": " + BadImages.describe(name, e)
                        + " (--on-bad-image skip reports and skips such images)", e);
            }
            return false;
        }
    }

    @Override
    public void close() {
        workers.shutdownNow();
        try {
            workers.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        registry.closeAll();
    }
}
