package org.resnet4j.data.shard;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnet4j.data.Batch;
import org.resnet4j.data.BatchStream;
import org.resnet4j.data.image.Resample;
import org.resnet4j.data.stream.BadImages;
import org.resnet4j.data.stream.FolderIndex;
import org.resnet4j.data.stream.StreamingFolderTest;
import org.resnet4j.data.transform.EvalTransform;
import org.resnet4j.data.transform.OutputLayout;
import org.resnet4j.data.transform.TrainTransform;
import org.resnet4j.engine.Tensors;

class ShardsTest {
    @TempDir
    Path dir;

    private static final OutputLayout LAYOUT = new OutputLayout(StreamingFolderTest.NORM_PUBLIC, 3, false);

    private ShardWriter.Result pack(Path folder, Path out, List<String> skipped) throws IOException {
        FolderIndex idx = FolderIndex.build(folder, null, 1);
        return ShardWriter.pack(idx, out, "train", new ShardWriter.Options(4, 1L << 30, true, 3),
                new ShardWriter.Listener() {
                    @Override
                    public void skipped(String file, String reason) {
                        skipped.add(file + ": " + reason);
                    }
                });
    }

    private static List<String> entries(Path tar) throws IOException {
        List<String> names = new ArrayList<>();
        try (InputStream in = Files.newInputStream(tar); TarArchiveInputStream t = new TarArchiveInputStream(in)) {
            for (TarArchiveEntry e; (e = t.getNextEntry()) != null;) {
                names.add(e.getName());
            }
        }
        return names;
    }

    @Test
    void aFolderPacksIntoWebDatasetShardsWithAManifest() throws IOException {
        Path folder = StreamingFolderTest.folder(dir.resolve("train"), 5);
        Files.write(folder.resolve("a/broken.jpg"), new byte[] {1, 2, 3});
        Path out = dir.resolve("shards");
        List<String> skipped = new ArrayList<>();
        ShardWriter.Result r = pack(folder, out, skipped);
        assertThat(r.samples()).isEqualTo(15);
        assertThat(r.skipped()).isEqualTo(1);
        assertThat(skipped).singleElement().asString().contains("broken.jpg");
        assertThat(r.shards()).hasSize(4); // 4 + 4 + 4 + 3
        assertThat(entries(out.resolve("train-000000.tar"))).containsExactly("000000.jpg", "000000.cls",
                "000001.jpg", "000001.cls", "000002.jpg", "000002.cls", "000003.jpg", "000003.cls");
        assertThat(entries(out.resolve("train-000003.tar"))).hasSize(6);
        try (Stream<Path> s = Files.list(out)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("train-000000.tar",
                    "train-000001.tar", "train-000002.tar", "train-000003.tar", "shards.json");
        }
        ShardSet set = ShardSet.open(out, "train");
        assertThat(set.samples()).isEqualTo(15);
        assertThat(set.classNames()).containsExactly("a", "b", "c");

        Files.delete(out.resolve("shards.json")); // shards as WebDataset writes them: counted from the headers
        ShardSet scanned = ShardSet.open(out, "train");
        assertThat(scanned.samples()).isEqualTo(15);
        assertThat(scanned.classNames()).containsExactly("class_0", "class_1", "class_2");
    }

    private static List<Long> labels(ShardLoader l, int epoch, List<float[]> images) {
        List<Long> out = new ArrayList<>();
        try (BatchStream s = l.epoch(epoch, 0)) {
            while (s.hasNext()) {
                try (Batch b = s.next()) {
                    for (long v : Tensors.toLongs(b.labels())) {
                        out.add(v);
                    }
                    images.add(Tensors.toFloats(b.images()));
                }
            }
        }
        return out;
    }

    @Test
    void shardsStreamEveryImageOnceSplitAcrossWorkersAndRanks() throws IOException {
        Path folder = StreamingFolderTest.folder(dir.resolve("train"), 6);
        Path out = dir.resolve("shards");
        pack(folder, out, new ArrayList<>());
        ShardSet set = ShardSet.open(out, "train"); // 18 images in shards of 4, 4, 4, 4, 2
        EvalTransform eval = new EvalTransform(20, 16, Resample.Filter.BILINEAR, false);
        ShardLoader.Options o = new ShardLoader.Options(3, false, false, 2, 2, 0, 1, 0, 1, eval, LAYOUT,
                BadImages.Policy.FAIL, org.resnet4j.data.image.ImageReader.JpegDecoder.NATIVE);
        ShardLoader all = new ShardLoader(set, o, BadImages.Listener.SILENT);
        List<Long> seen = labels(all, 0, new ArrayList<>());
        assertThat(seen).hasSize(18);
        assertThat(Collections.frequency(seen, 0L)).isEqualTo(6);
        assertThat(all.batchesPerEpoch()).isEqualTo(7); // worker 0: shards 0, 2, 4 (10 images, 4 batches); 1: 8, 3

        List<Long> ranks = new ArrayList<>();
        for (int r = 0; r < 2; r++) {
            ShardLoader part = new ShardLoader(set, o.withRank(r, 2), BadImages.Listener.SILENT);
            ranks.addAll(labels(part, 0, new ArrayList<>()));
        }
        assertThat(ranks).containsExactlyInAnyOrderElementsOf(seen);

        ShardLoader.Options train = new ShardLoader.Options(4, true, true, 2, 2, 5, 8, 0, 1,
                TrainTransform.imagenet(16), LAYOUT, BadImages.Policy.FAIL,
                org.resnet4j.data.image.ImageReader.JpegDecoder.NATIVE);
        List<float[]> first = new ArrayList<>();
        List<float[]> again = new ArrayList<>();
        List<Long> l1 = labels(new ShardLoader(set, train, BadImages.Listener.SILENT), 1, first);
        List<Long> l2 = labels(new ShardLoader(set, train, BadImages.Listener.SILENT), 1, again);
        assertThat(l1).isEqualTo(l2);
        for (int b = 0; b < first.size(); b++) {
            assertThat(again.get(b)).containsExactly(first.get(b));
        }
        List<Long> other = labels(new ShardLoader(set, train, BadImages.Listener.SILENT), 2, new ArrayList<>());
        assertThat(other).isNotEqualTo(l1); // each epoch its own shard order and shuffle
    }

    @Test
    void aBadImageInsideAShardIsReportedWithItsShardAndKey() throws IOException {
        Path out = Files.createDirectories(dir.resolve("foreign"));
        byte[] good = Files.readAllBytes(StreamingFolderTest.jpeg(dir.resolve("x.jpg"), 3, 30, 20));
        try (TarArchiveOutputStream t = new TarArchiveOutputStream(Files.newOutputStream(out.resolve(
                "train-000000.tar")))) {
            String[][] samples = {{"s1", "good", "0"}, {"s2", "bad", "1"}, {"s3", "good", "1"}};
            for (String[] s : samples) {
                byte[] img = s[1].equals("good") ? good : new byte[] {(byte) 0xFF, (byte) 0xD8, 9, 9};
                for (Object[] e : new Object[][] {{s[0] + ".jpg", img}, {s[0] + ".cls", s[2].getBytes()}}) {
                    TarArchiveEntry entry = new TarArchiveEntry((String) e[0]);
                    entry.setSize(((byte[]) e[1]).length);
                    t.putArchiveEntry(entry);
                    t.write((byte[]) e[1]);
                    t.closeArchiveEntry();
                }
            }
        }
        ShardSet set = ShardSet.open(out, "train");
        List<String> reports = new ArrayList<>();
        ShardLoader.Options o = ShardLoader.Options.evaluation(8, 1, new EvalTransform(20, 16,
                Resample.Filter.BILINEAR, false), LAYOUT, BadImages.Policy.SKIP);
        ShardLoader l = new ShardLoader(set, o, (f, r) -> reports.add(f + ": " + r));
        assertThat(labels(l, 0, new ArrayList<>())).containsExactly(0L, 1L);
        assertThat(l.badImages(0)).isEqualTo(1);
        assertThat(reports).singleElement().asString().startsWith("train-000000.tar:s2.jpg: ");
    }
}
