package org.resnet4j.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnet4j.data.image.Resample;
import org.resnet4j.data.stream.Storage;
import org.resnet4j.data.transform.EvalTransform;
import org.resnet4j.engine.Engine;
import org.resnet4j.testing.DataFiles;

/**
 * A folder split evaluated from memory or streamed from its files gives the same batches, bit for bit: fitted
 * (crop or pad, RGB or grey, either memory layout), resize-cropped as pretrained weights are, and for one rank's
 * share of a distributed evaluation.
 */
class EvalSplitTest {
    @TempDir
    static Path dir;
    private static Path root;

    @BeforeAll
    static void folder() throws IOException {
        Engine.start();
        root = dir.resolve("images");
        int k = 0;
        for (String split : List.of("train", "test")) {
            for (String cls : List.of("a", "b", "c")) {
                Path d = root.resolve(split).resolve(cls);
                // other aspect ratios, JPEG, grey and alpha images: every decoding and fitting path
                DataFiles.image(d.resolve("0.png"), "png", BufferedImage.TYPE_INT_RGB, 41 + k, 29, 0x204080 + k);
                DataFiles.image(d.resolve("1.jpg"), "jpg", BufferedImage.TYPE_INT_RGB, 30, 52 - k, 0xc03010 * k);
                DataFiles.image(d.resolve("2.png"), "png", BufferedImage.TYPE_BYTE_GRAY, 25, 25, 0x77 + 9 * k);
                DataFiles.image(d.resolve("sub/3.png"), "png", BufferedImage.TYPE_INT_ARGB, 60, 35, 0x80ff8000 + k);
                gradient(d.resolve("4.png"), 47 + 3 * k, 38);
                k++;
            }
        }
    }

    /** Colour that changes from pixel to pixel, so that any difference in resampling shows. */
    private static void gradient(Path file, int w, int h) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, (x * 255 / w) << 16 | (y * 255 / h) << 8 | ((x * y) & 0xff));
            }
        }
        javax.imageio.ImageIO.write(img, "png", file.toFile());
    }

    private static DataConfig config(int channels, int size, ImageDecoder.Fit fit) {
        return DataConfig.of(DatasetKind.FOLDER, root).withImageShape(channels, size, size).withFit(fit);
    }

    /** The images and labels of every batch of {@code s}, for comparing. */
    private static List<Tensor[]> batches(EvalSplit s, int channels, boolean channelsLast, DistributedSampler share) {
        List<Tensor[]> out = new ArrayList<>();
        try (BatchSource b = s.batches(4, 2, DatasetKind.FOLDER.normalization(channels), channelsLast, share);
             BatchStream stream = b.epoch(0, 0)) {
            while (stream.hasNext()) {
                Batch batch = stream.next();
                out.add(new Tensor[] {batch.images(), batch.labels()});
            }
        }
        return out;
    }

    private static void assertSameBatches(DataConfig c, Split split, EvalTransform resizeCrop, boolean channelsLast,
            DistributedSampler share) throws IOException {
        EvalSplit memory = EvalSplit.open(c, Storage.MEMORY, split, resizeCrop, Datasets.Listener.SILENT);
        EvalSplit stream = EvalSplit.open(c, Storage.STREAM, split, resizeCrop, Datasets.Listener.SILENT);
        assertThat(memory).isInstanceOf(EvalSplit.InMemory.class);
        assertThat(memory.storage()).isNull();
        assertThat(stream).isInstanceOf(EvalSplit.Streamed.class);
        assertThat(stream.storage()).startsWith("streaming, as asked");
        assertThat(stream.classNames()).isEqualTo(memory.classNames()).containsExactly("a", "b", "c");
        assertThat(stream.channels()).isEqualTo(memory.channels()).isEqualTo(c.channels());
        List<Tensor[]> want = batches(memory, c.channels(), channelsLast, share);
        List<Tensor[]> got = batches(stream, c.channels(), channelsLast, share);
        assertThat(got).hasSameSizeAs(want);
        for (int i = 0; i < want.size(); i++) {
            assertThat(got.get(i)[0].sizes().vec().get()).isEqualTo(want.get(i)[0].sizes().vec().get());
            assertThat(got.get(i)[0].is_contiguous()).isEqualTo(want.get(i)[0].is_contiguous());
            assertThat(got.get(i)[0].equal(want.get(i)[0])).as("images of batch " + i).isTrue();
            assertThat(got.get(i)[1].equal(want.get(i)[1])).as("labels of batch " + i).isTrue();
        }
    }

    @Test
    void fittedImagesStreamAsTheyAreHeldInMemory() throws IOException {
        assertSameBatches(config(3, 24, ImageDecoder.Fit.CROP), Split.TEST, null, false, DistributedSampler.WHOLE);
        assertSameBatches(config(1, 20, ImageDecoder.Fit.PAD), Split.TEST, null, true, DistributedSampler.WHOLE);
        assertSameBatches(config(3, 16, ImageDecoder.Fit.CROP), Split.TRAIN, null, true,
                DistributedSampler.evaluation(1, 2));
    }

    @Test
    void resizeCroppedImagesStreamAsTheyAreHeldInMemory() throws IOException {
        EvalTransform t = new EvalTransform(40, 32, Resample.Filter.BILINEAR, false);
        assertSameBatches(config(3, 32, ImageDecoder.Fit.CROP), Split.TEST, t, false, DistributedSampler.WHOLE);
        // at another size the resize scales with the crop
        assertSameBatches(config(3, 16, ImageDecoder.Fit.CROP), Split.TEST, EvalTransform.IMAGENET, true,
                DistributedSampler.evaluation(0, 2));
        assertSameBatches(config(3, 20, ImageDecoder.Fit.CROP), Split.TEST,
                new EvalTransform(232, 224, Resample.Filter.BICUBIC, false), false, DistributedSampler.WHOLE);
    }

    @Test
    void autoKeepsASmallFolderInMemoryAndOfficialDataIsNeverStreamed() throws IOException {
        assertThat(EvalSplit.open(config(3, 16, ImageDecoder.Fit.CROP), Storage.AUTO, Split.TEST, null,
                Datasets.Listener.SILENT)).isInstanceOf(EvalSplit.InMemory.class);
        DataConfig synthetic = DataConfig.of(DatasetKind.SYNTHETIC, dir).withImageShape(3, 8, 8).withSynthetic(10, 2);
        assertThat(EvalSplit.open(synthetic, Storage.STREAM, Split.TEST, null, Datasets.Listener.SILENT))
                .isInstanceOf(EvalSplit.InMemory.class);
    }

    @Test
    void aValidationCarveIsHeldInMemoryAndCannotStream() throws IOException {
        DataConfig carved = config(3, 16, ImageDecoder.Fit.CROP).withValSplit(3, true, 0);
        EvalSplit val = EvalSplit.open(carved, Storage.AUTO, Split.VAL, null, Datasets.Listener.SILENT);
        assertThat(val).isInstanceOf(EvalSplit.InMemory.class);
        assertThat(((EvalSplit.InMemory) val).data().size()).isEqualTo(3);
        assertThatThrownBy(() -> EvalSplit.open(carved, Storage.STREAM, Split.VAL, null, Datasets.Listener.SILENT))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--val-split");
        // the test split is no carve: it streams
        assertThat(EvalSplit.open(carved, Storage.STREAM, Split.TEST, null, Datasets.Listener.SILENT))
                .isInstanceOf(EvalSplit.Streamed.class);
    }

    @Test
    void aResizeCropMakesSquareRgbOrGreyImages() throws IOException {
        // grey: the resized RGB image's luma, as streamed training evaluates it
        assertSameBatches(config(1, 16, ImageDecoder.Fit.CROP), Split.TEST, EvalTransform.IMAGENET, false,
                DistributedSampler.WHOLE);
        DataConfig oblong = DataConfig.of(DatasetKind.FOLDER, root).withImageShape(3, 16, 20);
        for (Storage s : List.of(Storage.MEMORY, Storage.STREAM)) {
            assertThatThrownBy(() -> EvalSplit.open(oblong, s, Split.TEST, EvalTransform.IMAGENET,
                    Datasets.Listener.SILENT)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("makes square RGB or grey images, not the 3x16x20");
        }
    }
}
