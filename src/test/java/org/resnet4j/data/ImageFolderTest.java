package org.resnet4j.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnet4j.testing.DataFiles;

class ImageFolderTest {
    @TempDir
    Path dir;

    @Test
    void everyFormatAndColourModeDecodesToTheTargetShape() throws IOException {
        Path root = dir.resolve("images");
        DataFiles.image(root.resolve("cat/a.png"), "png", BufferedImage.TYPE_INT_ARGB, 40, 30, 0x80FF0000);
        DataFiles.image(root.resolve("cat/b.jpg"), "jpg", BufferedImage.TYPE_INT_RGB, 64, 64, 0xFF00FF00);
        DataFiles.image(root.resolve("dog/c.bmp"), "bmp", BufferedImage.TYPE_INT_RGB, 10, 20, 0xFF0000FF);
        DataFiles.image(root.resolve("dog/d.gif"), "gif", BufferedImage.TYPE_BYTE_INDEXED, 33, 33, 0xFFFFFFFF);
        DataFiles.image(root.resolve("dog/e.PNG"), "png", BufferedImage.TYPE_BYTE_GRAY, 16, 16, 0xFF808080);
        Files.writeString(root.resolve("dog/notes.txt"), "ignored, as torchvision does");
        Files.createDirectories(root.resolve(".hidden"));

        Dataset d = ImageFolder.load(root, ImageFolder.classNames(root), 3, 8, 8, ImageDecoder.Fit.CROP, 2);
        assertThat(d.classNames()).containsExactly("cat", "dog");
        assertThat(d.size()).isEqualTo(5);
        assertThat(d.height()).isEqualTo(8);
        byte[] img = new byte[3 * 64];
        d.copyImage(0, img, 0); // RGBA red at half alpha: alpha is dropped, red stays full
        assertThat(img[0] & 0xff).isEqualTo(255);
        assertThat(img[64] & 0xff).isZero();
        d.copyImage(2, img, 0); // BMP blue
        assertThat(img[2 * 64 + 27] & 0xff).isEqualTo(255);
        d.copyImage(4, img, 0); // grey 128 stays 128, not gamma-brightened
        assertThat(img[10] & 0xff).isBetween(127, 129);
        assertThat(d.label(4)).isEqualTo(1);

        Dataset grey = ImageFolder.load(root, ImageFolder.classNames(root), 1, 4, 4, ImageDecoder.Fit.CROP, 1);
        byte[] g = new byte[16];
        grey.copyImage(1, g, 0); // pure green: PIL's luma 0.587 * 255 = 150
        assertThat(g[5] & 0xff).isEqualTo(150);
    }

    @Test
    void cropCoversAndCentresWhilePadKeepsTheWholeImageOnBlack() throws IOException {
        // 30 wide, 10 high, white: cropped to 10x10 it is all white; padded, the top and bottom rows are black
        BufferedImage wide = new BufferedImage(30, 10, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 10; y++) {
            for (int x = 0; x < 30; x++) {
                wide.setRGB(x, y, 0xFFFFFF);
            }
        }
        byte[] crop = new byte[300];
        ImageDecoder.toRecord(wide, 3, 10, 10, ImageDecoder.Fit.CROP, crop, 0);
        assertThat(crop[0] & 0xff).isEqualTo(255);
        byte[] pad = new byte[300];
        ImageDecoder.toRecord(wide, 3, 9, 9, ImageDecoder.Fit.PAD, pad, 0);
        assertThat(pad[0] & 0xff).isZero(); // row 0 is padding
        assertThat(pad[4 * 9 + 4] & 0xff).isEqualTo(255); // the centre is image
    }

    @Test
    void splitFoldersShareTheTrainingClasses() throws IOException {
        Path root = dir.resolve("split");
        DataFiles.image(root.resolve("train/b/1.png"), "png", BufferedImage.TYPE_INT_RGB, 8, 8, 0xFF000000);
        DataFiles.image(root.resolve("train/a/1.png"), "png", BufferedImage.TYPE_INT_RGB, 8, 8, 0xFF000000);
        DataFiles.image(root.resolve("test/b/2.png"), "png", BufferedImage.TYPE_INT_RGB, 8, 8, 0xFF000000);
        DataConfig c = DataConfig.of(DatasetKind.FOLDER, root).withImageShape(3, 8, 8);
        Datasets.Splits s = Datasets.forTraining(c, Datasets.Listener.SILENT);
        assertThat(s.train().classNames()).containsExactly("a", "b");
        assertThat(s.test().size()).isEqualTo(1);
        assertThat(s.test().label(0)).isEqualTo(1);
        assertThat(s.val()).isNull();
        DataFiles.image(root.resolve("test/zebra/3.png"), "png", BufferedImage.TYPE_INT_RGB, 8, 8, 0xFF000000);
        assertThatThrownBy(() -> Datasets.load(c, Split.TEST, Datasets.Listener.SILENT))
                .hasMessageContaining("class 'zebra' is not among the training classes [a, b]");
        assertThatThrownBy(() -> Datasets.load(c, Split.VAL, Datasets.Listener.SILENT))
                .hasMessageContaining("no val folder");
    }

    @Test
    void trainingOnAFolderWithoutTrainAndTestFoldersIsRefused() throws IOException {
        Path root = dir.resolve("flat");
        DataFiles.image(root.resolve("a/1.png"), "png", BufferedImage.TYPE_INT_RGB, 8, 8, 0xFF000000);
        DataConfig c = DataConfig.of(DatasetKind.FOLDER, root).withImageShape(3, 8, 8);
        assertThatThrownBy(() -> Datasets.forTraining(c, Datasets.Listener.SILENT))
                .hasMessageContaining("needs train/ and test/ (or val/) sub-folders");
        assertThat(Datasets.load(c, Split.TEST, Datasets.Listener.SILENT).size()).isEqualTo(1); // evaluation is fine
    }

    @Test
    void imageNetsLayoutEvaluatesOnValWhenThereIsNoTestFolder() throws IOException {
        Path root = dir.resolve("imagenet");
        DataFiles.image(root.resolve("train/a/1.png"), "png", BufferedImage.TYPE_INT_RGB, 8, 8, 0xFF000000);
        DataFiles.image(root.resolve("train/b/2.png"), "png", BufferedImage.TYPE_INT_RGB, 8, 8, 0xFFFFFFFF);
        DataFiles.image(root.resolve("val/a/3.png"), "png", BufferedImage.TYPE_INT_RGB, 8, 8, 0xFF000000);
        DataFiles.image(root.resolve("val/b/4.png"), "png", BufferedImage.TYPE_INT_RGB, 8, 8, 0xFFFFFFFF);
        DataFiles.image(root.resolve("val/b/5.png"), "png", BufferedImage.TYPE_INT_RGB, 8, 8, 0xFFFFFFFF);
        DataConfig c = DataConfig.of(DatasetKind.FOLDER, root).withImageShape(3, 8, 8);
        Datasets.Splits s = Datasets.forTraining(c, Datasets.Listener.SILENT);
        assertThat(s.train().size()).isEqualTo(2);
        assertThat(s.test().size()).isEqualTo(3);
        assertThat(s.val()).isNull();
        assertThat(s.validation()).contains("val/ is the test split");
        assertThat(ImageFolder.splitRoot(root, Split.TEST)).isEqualTo(root.resolve("val"));
    }

    @Test
    void brokenFoldersGetAnErrorNamingTheFileOrFolder() throws IOException {
        Path root = dir.resolve("bad");
        DataFiles.image(root.resolve("a/ok.png"), "png", BufferedImage.TYPE_INT_RGB, 8, 8, 0xFF000000);
        Files.createDirectories(root.resolve("b"));
        assertThatThrownBy(() -> ImageFolder.load(root, ImageFolder.classNames(root), 3, 8, 8,
                ImageDecoder.Fit.CROP, 1)).hasMessageContaining(root.resolve("b") + ": class folder holds no images");
        Files.writeString(root.resolve("b/broken.jpg"), "this is not a JPEG");
        assertThatThrownBy(() -> ImageFolder.load(root, ImageFolder.classNames(root), 3, 8, 8,
                ImageDecoder.Fit.CROP, 2)).isInstanceOf(DataFormatException.class)
                .hasMessageContaining("broken.jpg: not an image");
        Path empty = Files.createDirectories(dir.resolve("empty"));
        assertThatThrownBy(() -> ImageFolder.classNames(empty)).hasMessageContaining("no class folders");
        assertThatThrownBy(() -> Datasets.load(DataConfig.of(DatasetKind.FOLDER, dir.resolve("absent")), Split.TEST,
                Datasets.Listener.SILENT)).hasMessageContaining("image folder missing");
    }
}
