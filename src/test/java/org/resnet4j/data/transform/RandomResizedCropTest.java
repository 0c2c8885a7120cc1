package org.resnet4j.data.transform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.util.Arrays;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.resnet4j.testing.PythonVenv;

/** RandomResizedCrop's crops against torchvision's get_params run with PyTorch's RNG: the same distributions. */
class RandomResizedCropTest {
    private static final int N = 20_000;

    /** Area fraction and log aspect ratio of each crop, and whether it is the fallback (centre) crop. */
    private record Crops(double[] area, double[] logAspect, double centred) {
        static Crops of(int[][] crops, int w, int h) {
            double[] area = new double[crops.length];
            double[] aspect = new double[crops.length];
            int centred = 0;
            for (int k = 0; k < crops.length; k++) {
                int[] c = crops[k];
                assertThat(c[0]).isBetween(0, h - c[2]);
                assertThat(c[1]).isBetween(0, w - c[3]);
                area[k] = (double) c[2] * c[3] / ((double) w * h);
                aspect[k] = Math.log((double) c[3] / c[2]);
                centred += c[0] == (h - c[2]) / 2 && c[1] == (w - c[3]) / 2 ? 1 : 0;
            }
            Arrays.sort(area);
            Arrays.sort(aspect);
            return new Crops(area, aspect, (double) centred / crops.length);
        }
    }

    /** The two-sample Kolmogorov–Smirnov distance of two sorted samples. */
    static double ks(double[] a, double[] b) {
        int i = 0;
        int j = 0;
        double d = 0;
        while (i < a.length && j < b.length) {
            double x = Math.min(a[i], b[j]);
            while (i < a.length && a[i] <= x) {
                i++;
            }
            while (j < b.length && b[j] <= x) {
                j++;
            }
            d = Math.max(d, Math.abs((double) i / a.length - (double) j / b.length));
        }
        return d;
    }

    private static int[][] java(int w, int h) {
        SplittableRandom rng = new SplittableRandom(7);
        int[][] out = new int[N][];
        for (int k = 0; k < N; k++) {
            CropBox b = RandomResizedCrop.IMAGENET.sample(w, h, rng);
            out[k] = new int[] {b.top(), b.left(), b.height(), b.width()};
        }
        return out;
    }

    private static int[][] torchvision(int w, int h) throws IOException {
        String[] lines = PythonVenv.run("tools/pil_reference.py", "rrc", String.valueOf(w), String.valueOf(h),
                String.valueOf(N), "0").trim().split("\n");
        int[][] out = new int[lines.length][];
        for (int k = 0; k < lines.length; k++) {
            out[k] = Arrays.stream(lines[k].trim().split(" ")).mapToInt(Integer::parseInt).toArray();
        }
        return out;
    }

    @Test
    void cropStatisticsMatchTorchvisionsAlgorithm() throws IOException {
        assumeTrue(PythonVenv.has("torch"), PythonVenv.missing("PyTorch"));
        // ImageNet's typical shape, and a strip whose crops often need the fallback
        for (int[] size : new int[][] {{500, 375}, {60, 800}}) {
            Crops mine = Crops.of(java(size[0], size[1]), size[0], size[1]);
            Crops ref = Crops.of(torchvision(size[0], size[1]), size[0], size[1]);
            // 0.025 is above the 0.1 % critical value of two samples of 20,000 (0.0195)
            assertThat(ks(mine.area, ref.area)).as("area fraction KS distance, %dx%d", size[0], size[1])
                    .isLessThan(0.025);
            assertThat(ks(mine.logAspect, ref.logAspect)).as("log aspect KS distance, %dx%d", size[0], size[1])
                    .isLessThan(0.025);
            assertThat(mine.centred).as("centre crops, %dx%d", size[0], size[1]).isCloseTo(ref.centred,
                    org.assertj.core.data.Offset.offset(0.015));
        }
    }

    @Test
    void aCropThatNeverFitsFallsBackToTheCentreWithTheRatioClamped() {
        // 10 attempts cannot fit a crop into a 1-pixel-high strip: centre crop, width clamped to 4/3 of the height
        CropBox b = RandomResizedCrop.IMAGENET.sample(1000, 1, new SplittableRandom(1));
        assertThat(b).isEqualTo(new CropBox(0, 499, 1, 1));
        CropBox tall = new RandomResizedCrop(0.9, 1.0, 1.0, 1.0).sample(10, 1000, new SplittableRandom(1));
        assertThat(tall).isEqualTo(new CropBox(495, 0, 10, 10));
    }

    @Test
    void theSameSeedGivesTheSameCrops() {
        assertThat(java(500, 375)).isDeepEqualTo(java(500, 375));
    }
}
