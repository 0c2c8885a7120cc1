package org.resnet4j.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnet4j.testing.DataFiles;

/** CIFAR-10, CIFAR-100 and IDX files: what they hold, and every way they can be broken. */
class ReadersTest {
    @TempDir
    Path dir;

    @Test
    void cifar10ReadsEachSplitsFilesWithClassNamesFromTheMetaFile() throws IOException {
        DataFiles.cifar10(dir, 3, 4);
        Dataset train = Cifar.load10(dir, Split.TRAIN);
        assertThat(train.size()).isEqualTo(15);
        assertThat(train.classNames()).containsExactly("a", "b", "c", "d", "e", "f", "g", "h", "i", "j");
        assertThat(train.label(0)).isEqualTo(100 % 10);
        assertThat(train.label(3)).isEqualTo(200 % 10);
        byte[] img = new byte[3072];
        train.copyImage(4, img, 0);
        assertThat(img[5]).isEqualTo(DataFiles.pixel(1, 5)); // second record of data_batch_2
        Dataset test = Cifar.load10(dir.resolve("cifar-10-batches-bin"), Split.TEST);
        assertThat(test.size()).isEqualTo(4);
        assertThat(test.label(3)).isEqualTo(3);
    }

    @Test
    void cifar10ReadsOnlyTheRequestedSplit() throws IOException {
        Path d = DataFiles.cifar10(dir, 2, 2);
        Files.write(d.resolve("data_batch_3.bin"), new byte[] {1, 2, 3});
        assertThat(Cifar.load10(dir, Split.TEST).size()).isEqualTo(2);
        assertThatThrownBy(() -> Cifar.load10(dir, Split.TRAIN)).isInstanceOf(DataFormatException.class)
                .hasMessageContaining("data_batch_3.bin: 3 bytes is not a whole number of 3073-byte CIFAR records");
    }

    @Test
    void cifarRejectsTruncatedOversizedMislabelledAndMissingFiles() throws IOException {
        Path d = DataFiles.cifar10(dir, 2, 3);
        Path test = d.resolve("test_batch.bin");
        byte[] good = Files.readAllBytes(test);
        Files.write(test, Arrays.copyOf(good, good.length - 1));
        assertThatThrownBy(() -> Cifar.load10(dir, Split.TEST)).hasMessageContaining("test_batch.bin: 9218 bytes");
        Files.write(test, Arrays.copyOf(good, good.length + 5));
        assertThatThrownBy(() -> Cifar.load10(dir, Split.TEST)).hasMessageContaining("9224 bytes is not a whole");
        good[3073] = 10;
        Files.write(test, good);
        assertThatThrownBy(() -> Cifar.load10(dir, Split.TEST))
                .hasMessageContaining("record 1 (byte 3073) has label 10, outside 0..9");
        Files.write(test, new byte[0]);
        assertThatThrownBy(() -> Cifar.load10(dir, Split.TEST)).hasMessageContaining("0 bytes");
        Files.delete(test);
        assertThatThrownBy(() -> Cifar.load10(dir, Split.TEST)).isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining("CIFAR-10 test file missing");
    }

    @Test
    void cifar100HasFineAndCoarseLabelsAndTheirNames() throws IOException {
        Path d = Files.createDirectories(dir.resolve("cifar-100-binary"));
        Files.write(d.resolve("train.bin"), DataFiles.cifarRecords(6, 2, i -> i * 3));
        Files.write(d.resolve("test.bin"), DataFiles.cifarRecords(2, 2, i -> 19));
        StringBuilder fine = new StringBuilder();
        for (int i = 0; i < 100; i++) {
            fine.append("fine").append(i).append('\n');
        }
        Files.writeString(d.resolve("fine_label_names.txt"), fine);
        Dataset f = Cifar.load100(dir, Split.TRAIN, false);
        assertThat(f.numClasses()).isEqualTo(100);
        assertThat(f.label(5)).isEqualTo(16);
        assertThat(f.classNames().get(16)).isEqualTo("fine16");
        Dataset coarse = Cifar.load100(dir, Split.TEST, true);
        assertThat(coarse.numClasses()).isEqualTo(20);
        assertThat(coarse.label(1)).isEqualTo(19);
        byte[] img = new byte[3072];
        coarse.copyImage(1, img, 0);
        assertThat(img[0]).isEqualTo(DataFiles.pixel(1, 0));
        Files.write(d.resolve("train.bin"), DataFiles.cifarRecords(1, 2, i -> 15)); // coarse 15 ok, fine 16 ok
        assertThat(Cifar.load100(dir, Split.TRAIN, true).label(0)).isEqualTo(15);
        Files.write(d.resolve("train.bin"), DataFiles.cifarRecords(1, 2, i -> 20));
        assertThatThrownBy(() -> Cifar.load100(dir, Split.TRAIN, true)).hasMessageContaining("label 20, outside 0..19");
    }

    @Test
    void idxReadsPlainAndGzippedFilesFromTheUsualFolders() throws IOException {
        DataFiles.mnist(dir.resolve("mnist"), 12, 5, false);
        DataFiles.mnist(dir.resolve("FashionMNIST/raw"), 7, 3, true);
        Dataset digits = Mnist.load(dir, Split.TRAIN, false);
        assertThat(digits.size()).isEqualTo(12);
        assertThat(digits.channels()).isEqualTo(1);
        assertThat(digits.height()).isEqualTo(28);
        assertThat(digits.classNames()).containsExactlyElementsOf(Mnist.DIGITS);
        assertThat(digits.label(11)).isEqualTo(1);
        Dataset fashion = Mnist.load(dir, Split.TEST, true);
        assertThat(fashion.size()).isEqualTo(3);
        assertThat(fashion.classNames().get(9)).isEqualTo("Ankle boot");
        assertThat(Mnist.directory(dir, true)).isEqualTo(dir.resolve("FashionMNIST/raw"));
        assertThat(Mnist.directory(dir, false)).isEqualTo(dir.resolve("mnist"));
        assertThat(Mnist.directory(dir.resolve("empty"), false)).isEqualTo(dir.resolve("empty"));
        byte[] img = new byte[784];
        fashion.copyImage(2, img, 0);
        assertThat(img[100]).isEqualTo(DataFiles.pixel(2, 100));
    }

    @Test
    void idxRejectsBadMagicDimensionsCountsGzipTruncationAndLabels() throws IOException {
        Path d = DataFiles.mnist(dir.resolve("mnist"), 4, 2, false);
        Path images = d.resolve("t10k-images-idx3-ubyte");
        Path labels = d.resolve("t10k-labels-idx1-ubyte");
        byte[] px = new byte[2 * 784];
        Files.write(images, DataFiles.idx(0x801, new int[] {2, 28, 28}, px, false));
        assertThatThrownBy(() -> Mnist.load(dir, Split.TEST, false))
                .hasMessageContaining("bad IDX magic number 0x00000801, expected 0x00000803");
        Files.write(images, DataFiles.idx(0x803, new int[] {2, 0, 28}, px, false));
        assertThatThrownBy(() -> Mnist.load(dir, Split.TEST, false)).hasMessageContaining("dimension 1 is 0");
        Files.write(images, DataFiles.idx(0x803, new int[] {3, 28, 28}, new byte[3 * 784], false));
        assertThatThrownBy(() -> Mnist.load(dir, Split.TEST, false))
                .hasMessageContaining("holds 3 images but").hasMessageContaining("holds 2 labels");
        Files.write(images, DataFiles.idx(0x803, new int[] {2, 28, 28}, Arrays.copyOf(px, 1000), false));
        assertThatThrownBy(() -> Mnist.load(dir, Split.TEST, false)).hasMessageContaining("truncated");
        Files.write(images, DataFiles.idx(0x803, new int[] {2, 28, 28}, Arrays.copyOf(px, 2000), false));
        assertThatThrownBy(() -> Mnist.load(dir, Split.TEST, false)).hasMessageContaining("data continues past");
        byte[] gz = DataFiles.idx(0x803, new int[] {2, 28, 28}, px, true);
        gz[gz.length / 2] ^= 0x55;
        Files.delete(images);
        Files.write(d.resolve("t10k-images-idx3-ubyte.gz"), gz);
        assertThatThrownBy(() -> Mnist.load(dir, Split.TEST, false)).isInstanceOf(DataFormatException.class)
                .hasMessageContaining("t10k-images-idx3-ubyte.gz");
        Files.write(d.resolve("t10k-images-idx3-ubyte.gz"), DataFiles.idx(0x803, new int[] {2, 28, 28}, px, true));
        Files.write(labels, DataFiles.idx(0x801, new int[] {2}, new byte[] {3, 12}, false));
        assertThatThrownBy(() -> Mnist.load(dir, Split.TEST, false))
                .hasMessageContaining("label 1 (byte 9) is 12, outside 0..9");
        Files.write(labels, new byte[0]);
        assertThatThrownBy(() -> Mnist.load(dir, Split.TEST, false)).hasMessageContaining("empty or truncated");
    }

    @Test
    void missingMnistFilesNameWhereTheyWereLookedFor() {
        assertThatThrownBy(() -> Mnist.load(dir, Split.TRAIN, false)).isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining("MNIST files missing (train-images-idx3-ubyte[.gz]")
                .hasMessageContaining(dir.resolve("mnist").toString());
    }

    @Test
    void syntheticDataIsSeeded() {
        Dataset a = Synthetic.create(50, 4, 3, 8, 8, 7);
        Dataset b = Synthetic.create(50, 4, 3, 8, 8, 7);
        Dataset c = Synthetic.create(50, 4, 3, 8, 8, 8);
        byte[] x = new byte[192];
        byte[] y = new byte[192];
        byte[] z = new byte[192];
        a.copyImage(10, x, 0);
        b.copyImage(10, y, 0);
        c.copyImage(10, z, 0);
        assertThat(x).isEqualTo(y).isNotEqualTo(z);
        assertThat(a.numClasses()).isEqualTo(4);
    }

    @Test
    void validationCarveIsSeededDisjointAndStratified() {
        Dataset d = Synthetic.create(1000, 10, 1, 4, 4, 1);
        TrainValSplit s = TrainValSplit.carve(d, 100, 5, true);
        assertThat(s.train().size()).isEqualTo(900);
        assertThat(s.val().size()).isEqualTo(100);
        int[] perClass = DatasetStats.of(s.val()).perClass();
        int[] all = DatasetStats.of(d).perClass();
        for (int c = 0; c < 10; c++) {
            assertThat((double) perClass[c]).isCloseTo(all[c] / 10.0, org.assertj.core.data.Offset.offset(1.0));
        }
        assertThat(s.description()).contains("100 of 1000", "stratified", "seed 5");
        TrainValSplit again = TrainValSplit.carve(d, 100, 5, true);
        TrainValSplit other = TrainValSplit.carve(d, 100, 6, false);
        assertThat(images(again.val())).isEqualTo(images(s.val()));
        assertThat(images(other.val())).isNotEqualTo(images(s.val()));
        assertThatThrownBy(() -> TrainValSplit.carve(d, 1000, 1, true)).hasMessageContaining("between 1 and 999");
    }

    private static byte[] images(Dataset d) {
        byte[] out = new byte[d.size() * d.imageBytes()];
        for (int i = 0; i < d.size(); i++) {
            d.copyImage(i, out, i * d.imageBytes());
        }
        return out;
    }
}
