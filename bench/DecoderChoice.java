import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.ByteArrayInputStream;
import java.nio.IntBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import javax.imageio.ImageIO;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.leptonica.PIX;
import org.bytedeco.opencv.opencv_core.Mat;

import static org.bytedeco.leptonica.global.leptonica.pixDestroy;
import static org.bytedeco.leptonica.global.leptonica.pixGetData;
import static org.bytedeco.leptonica.global.leptonica.pixReadMemJpeg;
import static org.bytedeco.opencv.global.opencv_core.CV_8U;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_IGNORE_ORIENTATION;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_REDUCED_COLOR_2;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imdecode;

/**
 * How the native JPEG decoder was chosen (docs/data-pipeline.md): the candidates on Maven Central that bundle
 * libjpeg-turbo, and ImageIO, decoding the same in-memory JPEGs to packed RGB bytes, in turns, one thread.
 * Leptonica is not a dependency of resnet4j; fetch it to run this:
 *
 *   ./mvnw dependency:get -Dartifact=org.bytedeco:leptonica:1.87.0-1.5.13 -Dtransitive=false
 *   ./mvnw dependency:get -Dartifact=org.bytedeco:leptonica:1.87.0-1.5.13:jar:linux-x86_64 -Dtransitive=false
 *   L=~/.m2/repository/org/bytedeco/leptonica/1.87.0-1.5.13; CP="target/lib/*:$L/*"
 *   javac -cp "$CP" -d /tmp/dc bench/DecoderChoice.java && java -cp "$CP:/tmp/dc" DecoderChoice /tmp/jpegs-5k/val 8
 */
public class DecoderChoice {
    static long sink;

    public static void main(String[] a) throws Exception {
        List<byte[]> files = new ArrayList<>();
        try (var s = Files.walk(Path.of(a[0]))) {
            for (Path p : s.filter(p -> p.toString().endsWith(".jpg")).limit(300).toList()) {
                files.add(Files.readAllBytes(p));
            }
        }
        int rounds = Integer.parseInt(a[1]);
        ImageIO.setUseCache(false);
        byte[] out = new byte[4000 * 4000 * 3];
        String[] methods = {"imageio", "leptonica", "leptonica/2", "opencv", "opencv/2"};
        double[][] rates = new double[methods.length][rounds];
        for (int r = 0; r < rounds; r++) {
            for (int m = 0; m < methods.length; m++) {
                long t0 = System.nanoTime();
                for (byte[] f : files) {
                    decode(methods[m], f, out);
                }
                rates[m][r] = files.size() / ((System.nanoTime() - t0) / 1e9);
            }
        }
        for (int m = 0; m < methods.length; m++) {
            double[] v = rates[m].clone();
            java.util.Arrays.sort(v);
            System.out.printf("%-12s median %6.0f images/s (rounds 2..%d)%n", methods[m],
                    v.length > 2 ? median(java.util.Arrays.copyOfRange(rates[m], 1, v.length)) : v[v.length / 2],
                    rounds);
        }
        System.out.println(sink == 42 ? "" : "(" + files.size() + " files)");
    }

    static double median(double[] v) {
        double[] c = v.clone();
        java.util.Arrays.sort(c);
        return c[c.length / 2];
    }

    static void decode(String m, byte[] f, byte[] out) throws Exception {
        switch (m) {
            case "imageio" -> {
                BufferedImage im = ImageIO.read(new ByteArrayInputStream(f));
                byte[] px = ((DataBufferByte) im.getRaster().getDataBuffer()).getData();
                System.arraycopy(px, 0, out, 0, px.length);
                sink += out[7];
            }
            case "leptonica", "leptonica/2" -> {
                PIX p = pixReadMemJpeg(f, f.length, 0, m.endsWith("/2") ? 2 : 1, (int[]) null, 0);
                int w = p.w();
                int h = p.h();
                int wpl = p.wpl();
                IntBuffer d = pixGetData(p).capacity((long) wpl * h).asBuffer();
                int o = 0;
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        int v = d.get(y * wpl + x);
                        out[o++] = (byte) (v >>> 24);
                        out[o++] = (byte) (v >>> 16);
                        out[o++] = (byte) (v >>> 8);
                    }
                }
                sink += out[5];
                pixDestroy(p);
            }
            default -> {
                try (BytePointer bp = new BytePointer(f); Mat buf = new Mat(1, f.length, CV_8U, bp);
                     Mat im = imdecode(buf, (m.endsWith("/2") ? IMREAD_REDUCED_COLOR_2 : IMREAD_COLOR)
                             | IMREAD_IGNORE_ORIENTATION)) {
                    int n = (int) (im.total() * im.channels());
                    im.data().capacity(n).get(out, 0, n);
                    sink += out[5];
                }
            }
        }
    }
}
