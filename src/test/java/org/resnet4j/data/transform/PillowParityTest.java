package org.resnet4j.data.transform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnet4j.data.image.ImageReader;
import org.resnet4j.data.image.Resample;
import org.resnet4j.data.image.RgbImage;
import org.resnet4j.testing.PythonVenv;

/**
 * The pipeline against Pillow, the reference of torchvision's PIL path: photo-like JPEGs (4:2:0, 4:4:4,
 * progressive, grey) and a PNG made by Pillow, decoded natively and with ImageIO, resized and cropped.
 */
class PillowParityTest {
    @TempDir
    static Path dir;

    @BeforeAll
    static void images() throws IOException {
        assumeTrue(PythonVenv.has("PIL", "numpy"), PythonVenv.missing("Pillow", "NumPy"));
        PythonVenv.run("tools/pil_reference.py", "make-images", dir.toString());
    }

    private static List<Path> files() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.toString().endsWith(".jpg") || p.toString().endsWith(".png"))
                    .filter(p -> !p.getFileName().toString().startsWith("ops")).sorted().toList();
        }
    }

    /** Fraction of values within ±1 grey level, and the largest difference. */
    private static double[] agreement(byte[] mine, byte[] ref) {
        assertThat(mine.length).isGreaterThanOrEqualTo(ref.length);
        int close = 0;
        int max = 0;
        for (int i = 0; i < ref.length; i++) {
            int d = Math.abs((mine[i] & 0xff) - (ref[i] & 0xff));
            close += d <= 1 ? 1 : 0;
            max = Math.max(max, d);
        }
        return new double[] {(double) close / ref.length, max};
    }

    private static void evalMatches(int resize, int crop, Resample.Filter filter, ImageReader.JpegDecoder decoder)
            throws IOException {
        PythonVenv.run("tools/pil_reference.py", "eval", dir.toString(), String.valueOf(resize), String.valueOf(crop),
                filter.name().toLowerCase(Locale.ROOT));
        EvalTransform t = new EvalTransform(resize, crop, filter, false);
        try (Workspace ws = new Workspace(new ImageReader(decoder))) {
            for (Path f : files()) {
                byte[] data = Files.readAllBytes(f);
                RgbImage img = t.transform(new EncodedImage(data, data.length, f.toString()), ws);
                assertThat(img.width()).isEqualTo(crop);
                byte[] ref = Files.readAllBytes(Path.of(f + ".eval.rgb"));
                assertThat(ref).hasSize(crop * crop * 3);
                double[] a = agreement(img.data(), ref);
                assertThat(a[0]).as("%s: fraction within ±1 (max difference %s)", f.getFileName(), a[1])
                        .isGreaterThanOrEqualTo(0.99);
            }
        }
    }

    @Test
    void evalTransformMatchesPillowWithTheNativeDecoder() throws IOException {
        assumeTrue(ImageReader.nativeUnavailable() == null, "OpenCV's natives do not load here");
        evalMatches(256, 224, Resample.Filter.BILINEAR, ImageReader.JpegDecoder.NATIVE);
        evalMatches(232, 224, Resample.Filter.BICUBIC, ImageReader.JpegDecoder.NATIVE);
    }

    @Test
    void evalTransformMatchesPillowWithImageIO() throws IOException {
        evalMatches(256, 224, Resample.Filter.BILINEAR, ImageReader.JpegDecoder.IMAGEIO);
    }

    @Test
    void resamplingIsPillowsBitForBitIncludingFractionalBoxes() throws IOException {
        // decode with Pillow's own pixels (a PNG) so that only the resampling is compared
        Path png = files().stream().filter(p -> p.toString().endsWith(".png")).findFirst().orElseThrow();
        String[][] cases = {{"224", "224", "10", "20", "310.5", "233.25", "bilinear"},
            {"100", "61", "0", "0", "333", "250", "bicubic"}, {"400", "300", "3", "2", "200", "180", "bilinear"}};
        for (String[] c : cases) {
            PythonVenv.run("tools/pil_reference.py", "resize", dir.toString(), c[0], c[1], c[2], c[3], c[4], c[5],
                    c[6]);
            RgbImage src = ImageReader.fromBufferedImage(javax.imageio.ImageIO.read(png.toFile()), new RgbImage());
            int w = Integer.parseInt(c[0]);
            int h = Integer.parseInt(c[1]);
            RgbImage out = Resample.resize(src, Double.parseDouble(c[2]), Double.parseDouble(c[3]),
                    Double.parseDouble(c[4]), Double.parseDouble(c[5]), w, h, 0, 0, w, h,
                    Resample.Filter.valueOf(c[6].toUpperCase(Locale.ROOT)), new RgbImage());
            byte[] ref = Files.readAllBytes(Path.of(png + ".resize.rgb"));
            assertThat(agreement(out.data(), ref)[1]).as("max difference, case %s", String.join(" ", c)).isZero();
        }
    }

    @Test
    void pillowOperationsOfTrivialAugmentAndColorJitterMatch() throws IOException {
        PythonVenv.run("tools/pil_reference.py", "ops", dir.toString());
        RgbImage src = ImageReader.fromBufferedImage(javax.imageio.ImageIO.read(dir.resolve("ops.png").toFile()),
                new RgbImage());
        Object[][] cases = {
            {"shear_x", TrivialAugmentWide.Op.SHEAR_X, 0.3}, {"shear_y", TrivialAugmentWide.Op.SHEAR_Y, -0.5},
            {"translate_x", TrivialAugmentWide.Op.TRANSLATE_X, -12.8},
            {"translate_y", TrivialAugmentWide.Op.TRANSLATE_Y, 9.6},
            {"rotate", TrivialAugmentWide.Op.ROTATE, 31.5}, {"rotate_neg", TrivialAugmentWide.Op.ROTATE, -117.0},
            {"brightness", TrivialAugmentWide.Op.BRIGHTNESS, 0.66},
            {"brightness_low", TrivialAugmentWide.Op.BRIGHTNESS, -0.63},
            {"color", TrivialAugmentWide.Op.COLOR, 0.5}, {"color_low", TrivialAugmentWide.Op.COLOR, -0.8},
            {"contrast", TrivialAugmentWide.Op.CONTRAST, 0.8}, {"contrast_low", TrivialAugmentWide.Op.CONTRAST, -0.6},
            {"sharpness", TrivialAugmentWide.Op.SHARPNESS, 0.9},
            {"sharpness_low", TrivialAugmentWide.Op.SHARPNESS, -0.9},
            {"posterize", TrivialAugmentWide.Op.POSTERIZE, 3.0}, {"solarize", TrivialAugmentWide.Op.SOLARIZE, 110.5},
            {"autocontrast", TrivialAugmentWide.Op.AUTOCONTRAST, 0.0},
            {"equalize", TrivialAugmentWide.Op.EQUALIZE, 0.0}};
        for (Object[] c : cases) {
            RgbImage img = src.copy();
            RgbImage out = TrivialAugmentWide.apply((TrivialAugmentWide.Op) c[1], (Double) c[2], img, new RgbImage());
            double[] a = agreement(out.data(), Files.readAllBytes(dir.resolve("ops." + c[0] + ".rgb")));
            assertThat(a[1]).as("%s: max difference", c[0]).isLessThanOrEqualTo(1);
        }
        for (Object[] c : new Object[][] {{"hue", 0.21}, {"hue_neg", -0.33}}) {
            RgbImage img = src.copy();
            org.resnet4j.data.image.PilOps.hue(img, (Double) c[1]);
            double[] a = agreement(img.data(), Files.readAllBytes(dir.resolve("ops." + c[0] + ".rgb")));
            assertThat(a[1]).as("%s: max difference", c[0]).isLessThanOrEqualTo(1);
        }
    }
}
