package org.resnet4j.data.image;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.global.opencv_imgcodecs;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * JPEG decoding with libjpeg-turbo as OpenCV bundles it ({@code org.bytedeco:opencv}), optionally scaled by 1/2,
 * 1/4 or 1/8 in the DCT domain ({@code IMREAD_REDUCED_COLOR_*}), which skips most of the inverse transform's work.
 * EXIF orientation is ignored, as Pillow (and so torchvision) ignores it. One instance per thread: it keeps its
 * native buffers from image to image.
 */
final class NativeJpeg implements AutoCloseable {
    private static final Throwable UNAVAILABLE = load();

    private BytePointer input = new BytePointer(0L);
    private final Mat decoded = new Mat();

    private static Throwable load() {
        try {
            String platform = Loader.getPlatform();
            // as for libtorch (engine/Engine): every native resource on disk before the first System.load
            Loader.cacheResources(opencv_imgcodecs.class, "/org/bytedeco/opencv/" + platform + "/");
            Loader.load(opencv_imgcodecs.class);
            return null;
        } catch (Throwable t) { // NOPMD: any failure means falling back to ImageIO
            return t;
        }
    }

    /** Whether OpenCV's natives loaded; null when they did, else why not. */
    static Throwable unavailable() {
        return UNAVAILABLE;
    }

    /**
     * Decodes {@code data[0, length)} at 1/{@code reduction} (1, 2, 4 or 8) into {@code dst}; false when libjpeg
     * refuses the data.
     */
    boolean decode(byte[] data, int length, int reduction, RgbImage dst) {
        if (input.capacity() < length) {
            input.close();
            input = new BytePointer(Math.max(length, 1 << 16));
        }
        input.position(0).put(data, 0, length);
        int flags = switch (reduction) {
            case 1 -> opencv_imgcodecs.IMREAD_COLOR;
            case 2 -> opencv_imgcodecs.IMREAD_REDUCED_COLOR_2;
            case 4 -> opencv_imgcodecs.IMREAD_REDUCED_COLOR_4;
            case 8 -> opencv_imgcodecs.IMREAD_REDUCED_COLOR_8;
            default -> throw new IllegalArgumentException("DCT scaling is by 1, 2, 4 or 8, not " + reduction);
        } | opencv_imgcodecs.IMREAD_IGNORE_ORIENTATION;
        // imdecode also returns a second header on the pixels; left to the GC, it keeps every buffer that decoded
        // outgrew alive until a collection (1.4 GB per 5,000 images of mixed sizes)
        try (Mat buf = new Mat(1, length, opencv_core.CV_8U, input);
             Mat alias = opencv_imgcodecs.imdecode(buf, flags, decoded)) {
            // decoded is read below; only the second header goes
        }
        if (decoded.empty() || decoded.channels() != 3 || decoded.depth() != opencv_core.CV_8U) {
            return false;
        }
        int w = decoded.cols();
        int h = decoded.rows();
        int n = w * h * 3;
        dst.reshape(w, h);
        byte[] out = dst.data();
        if (decoded.isContinuous()) {
            decoded.data().capacity(n).position(0).get(out, 0, n);
        } else {
            for (int y = 0; y < h; y++) {
                decoded.ptr(y).capacity(w * 3L).get(out, y * w * 3, w * 3);
            }
        }
        for (int i = 0; i < n; i += 3) { // BGR to RGB
            byte b = out[i];
            out[i] = out[i + 2];
            out[i + 2] = b;
        }
        return true;
    }

    @Override
    public void close() {
        input.close();
        decoded.close();
    }
}
