package org.resnet4j.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnet4j.engine.Engine;
import org.resnet4j.io.PretrainedWeights;
import org.resnet4j.model.ModelOptions;
import org.resnet4j.model.ResNets;
import org.resnet4j.testing.PythonVenv;

/**
 * A predictor for pretrained weights prepares images as torchvision's ImageClassification preset does with Pillow:
 * Resize(short side, bilinear) then CenterCrop(224), byte for byte.
 */
class ResizeCropParityTest {
    @TempDir
    Path dir;

    @Test
    void preparedPixelsEqualPillowsResizeAndCentreCrop() throws IOException {
        assumeTrue(PythonVenv.has("PIL"), PythonVenv.missing("Pillow"));
        Engine.start();
        SplittableRandom rng = new SplittableRandom(11);
        for (int[] wh : new int[][] {{300, 200}, {181, 397}}) {
            BufferedImage img = new BufferedImage(wh[0], wh[1], BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < wh[1]; y++) {
                for (int x = 0; x < wh[0]; x++) {
                    img.setRGB(x, y, rng.nextInt(1 << 24));
                }
            }
            Path png = dir.resolve(wh[0] + "x" + wh[1] + ".png");
            ImageIO.write(img, "png", png.toFile());
            for (PretrainedWeights w : List.of(PretrainedWeights.RESNET18_V1, PretrainedWeights.RESNET50_V2)) {
                Predictor p = new Predictor(ResNets.create(ModelOptions.of("resnet20")), List.of(),
                        w.preprocessing(), false, w.evalTransform());
                byte[] chw = p.prepare(img);
                String pillow = PythonVenv.run("-c", String.join("\n",
                        "import sys",
                        "from PIL import Image",
                        "im = Image.open(sys.argv[1]).convert('RGB')",
                        "r, c = int(sys.argv[2]), 224",
                        "w, h = im.size",
                        "size = (r, int(r * h / w)) if w <= h else (int(r * w / h), r)",
                        "im = im.resize(size, Image.BILINEAR)",
                        "top, left = int(round((size[1] - c) / 2.0)), int(round((size[0] - c) / 2.0))",
                        "im = im.crop((left, top, left + c, top + c))",
                        "print(b''.join(band.tobytes() for band in im.split()).hex())"),
                        png.toString(), Integer.toString(w.evalTransform().resizeSize())).strip();
                assertThat(HexFormat.of().formatHex(chw)).as(w + " on " + png.getFileName()).isEqualTo(pillow);
            }
        }
    }
}
