package org.resnet4j.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnet4j.data.image.RgbImage;
import org.resnet4j.data.transform.CropBox;
import org.resnet4j.data.transform.RandomErasing;
import org.resnet4j.data.transform.TrivialAugmentWide;
import org.resnet4j.engine.Tensors;
import org.resnet4j.testing.Cli;

/**
 * TrivialAugmentWide and RandomErasing on images held in memory (CIFAR, MNIST, small folders), as torchvision's
 * recipes apply them after the crop and flip: the same operations as on streamed images, drawn from the batch's
 * random stream.
 */
class InMemoryAugmentTest {
    private static final Normalization RGB = new Normalization(new float[] {0.5f, 0.4f, 0.3f},
            new float[] {0.2f, 0.25f, 0.3f});
    private static final Normalization GREY = new Normalization(new float[] {0.5f}, new float[] {0.25f});

    @TempDir
    Path dir;

    /** Images with structure, so that geometric and colour operations change them. */
    private static InMemoryDataset images(int n, int channels, int size) {
        byte[] px = new byte[n * channels * size * size];
        SplittableRandom rng = new SplittableRandom(4);
        for (int i = 0; i < px.length; i++) {
            px[i] = (byte) ((i % size) * 7 + rng.nextInt(40));
        }
        return new InMemoryDataset(px, new int[n], channels, size, size, List.of("x"));
    }

    /** Image {@code i} as 8-bit RGB (a grey image in three equal channels). */
    private static RgbImage rgb(InMemoryDataset d, int i) {
        byte[] rec = new byte[d.imageBytes()];
        d.copyImage(i, rec, 0);
        int plane = d.height() * d.width();
        byte[] hwc = new byte[plane * 3];
        for (int p = 0; p < plane; p++) {
            for (int ch = 0; ch < 3; ch++) {
                hwc[3 * p + ch] = rec[Math.min(ch, d.channels() - 1) * plane + p];
            }
        }
        return RgbImage.wrap(hwc, d.width(), d.height());
    }

    private static float[] normalised(RgbImage img, Normalization norm) {
        int plane = img.width() * img.height();
        int c = norm.channels();
        float[] out = new float[c * plane];
        float[][] lut = norm.lookupTables();
        for (int p = 0; p < plane; p++) {
            for (int ch = 0; ch < c; ch++) {
                out[ch * plane + p] = lut[ch][img.data()[3 * p + ch] & 0xff];
            }
        }
        return out;
    }

    private static float[] built(InMemoryDataset d, Normalization norm, Augmentation aug, long seed) {
        try (Batch b = new BatchBuilder(d, norm, aug, false).build(new int[] {0}, 0, 1, new SplittableRandom(seed))) {
            return Tensors.toFloats(b.images());
        }
    }

    @Test
    void trivialAugmentIsAppliedToTheEightBitImageWithTheBatchsDraws() {
        for (Normalization norm : List.of(RGB, GREY)) {
            InMemoryDataset d = images(1, norm.channels(), 12);
            Augmentation aug = Augmentation.NONE.withAutoAugment(TrivialAugmentWide.DEFAULT);
            Set<Integer> distinct = new HashSet<>();
            for (long seed = 0; seed < 12; seed++) {
                SplittableRandom rng = new SplittableRandom(seed);
                RgbImage want = TrivialAugmentWide.DEFAULT.apply(rgb(d, 0), rng, new RgbImage());
                float[] got = built(d, norm, aug, seed);
                assertThat(got).as("seed " + seed).containsExactly(normalised(want, norm));
                distinct.add(java.util.Arrays.hashCode(got));
            }
            assertThat(distinct).as("different draws, different images").hasSizeGreaterThan(6);
        }
    }

    @Test
    void randomErasingSetsItsRectangleAfterNormalisation() {
        InMemoryDataset d = images(1, 3, 16);
        float[] plain = built(d, RGB, Augmentation.NONE, 0);
        RandomErasing erasing = RandomErasing.of(1.0);
        for (long seed = 0; seed < 5; seed++) {
            CropBox box = erasing.sample(16, 16, new SplittableRandom(seed));
            float[] got = built(d, RGB, Augmentation.NONE.withErasing(erasing), seed);
            int erased = 0;
            for (int ch = 0; ch < 3; ch++) {
                for (int y = 0; y < 16; y++) {
                    for (int x = 0; x < 16; x++) {
                        int i = ch * 256 + y * 16 + x;
                        boolean inside = box != null && y >= box.top() && y < box.top() + box.height()
                                && x >= box.left() && x < box.left() + box.width();
                        assertThat(got[i]).isEqualTo(inside ? 0f : plain[i]);
                        erased += inside ? 1 : 0;
                    }
                }
            }
            assertThat(erased).as("seed " + seed).isPositive();
        }
    }

    @Test
    void cropFlipThenTrivialAugmentThenErasingAsTheRecipesOrderThem() {
        InMemoryDataset d = images(1, 3, 8);
        Augmentation aug = Augmentation.CIFAR.withAutoAugment(TrivialAugmentWide.DEFAULT)
                .withErasing(RandomErasing.of(0.5));
        assertThat(aug.toString()).isEqualTo("random crop (padding 4) + horizontal flip + TrivialAugmentWide(31)"
                + " + RandomErasing(0.5)");
        for (long seed = 0; seed < 6; seed++) {
            SplittableRandom rng = new SplittableRandom(seed);
            int dy = rng.nextInt(9) - 4;
            int dx = rng.nextInt(9) - 4;
            boolean flip = rng.nextBoolean();
            RgbImage src = rgb(d, 0);
            RgbImage shifted = new RgbImage(8, 8);
            for (int y = 0; y < 8; y++) {
                for (int x = 0; x < 8; x++) {
                    int sy = y + dy;
                    int sx = (flip ? 7 - x : x) + dx;
                    for (int ch = 0; ch < 3; ch++) {
                        shifted.data()[3 * (y * 8 + x) + ch] = sy >= 0 && sy < 8 && sx >= 0 && sx < 8
                                ? (byte) src.get(sx, sy, ch) : 0;
                    }
                }
            }
            float[] want = normalised(TrivialAugmentWide.DEFAULT.apply(shifted, rng, new RgbImage()), RGB);
            CropBox box = RandomErasing.of(0.5).sample(8, 8, rng);
            if (box != null) {
                for (int ch = 0; ch < 3; ch++) {
                    for (int y = box.top(); y < box.top() + box.height(); y++) {
                        for (int x = box.left(); x < box.left() + box.width(); x++) {
                            want[ch * 64 + y * 8 + x] = 0f;
                        }
                    }
                }
            }
            assertThat(built(d, RGB, aug, seed)).as("seed " + seed).containsExactly(want);
        }
    }

    @Test
    void trainingOnDataInMemoryTakesTheFlags() throws IOException {
        Cli.Result r = Cli.run("train", "--dataset", "synthetic", "--synthetic-size", "16", "--synthetic-classes", "2",
                "--model", "resnet20", "--image-size", "16", "--batch-size", "8", "--epochs", "1", "--trivial-augment",
                "--random-erasing", "0.25", "--seed", "1", "--out", dir.resolve("run").toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.err()).contains("augmentation: random crop (padding 2) + horizontal flip + TrivialAugmentWide(31)"
                + " + RandomErasing(0.25)");
    }
}
