package org.resnet4j.eval;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.T_TensorTensor_T;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.resnet4j.data.Augmentation;
import org.resnet4j.data.Batch;
import org.resnet4j.data.BatchBuilder;
import org.resnet4j.data.Dataset;
import org.resnet4j.data.DatasetKind;
import org.resnet4j.data.ImageDecoder;
import org.resnet4j.data.InMemoryDataset;
import org.resnet4j.data.Preprocessing;
import org.resnet4j.data.transform.EvalTransform;
import org.resnet4j.engine.ComputeDevice;
import org.resnet4j.engine.Layout;
import org.resnet4j.engine.Tensors;
import org.resnet4j.io.ModelLoader;
import org.resnet4j.model.ResNet;

/**
 * Classifies images with a trained model, preparing each image as the model was trained (size, channels, fit,
 * normalisation), and extracts penultimate-layer features.
 *
 * <p>Thread-safe: the model is put in eval mode once and never changed afterwards, and every call runs its own
 * forward pass under a thread-local no-grad guard with its own native-memory scope, so many threads may call
 * {@link #predict} and {@link #features} on one instance at once (libtorch's intra-op threads are shared between
 * them).
 */
public final class Predictor {
    private final ResNet net;
    private final List<String> classNames;
    private final Preprocessing preprocessing;
    private final EvalTransform resizeCrop;
    /** Where the model computes; batches are prepared in host memory and put there. */
    private final ComputeDevice device;

    /** A class and its probability. */
    public record Scored(int index, String name, double probability) {
    }

    /** The {@code k} most probable classes of one image, most probable first. */
    public record Prediction(List<Scored> top) {
        public Scored best() {
            return top.get(0);
        }

        /** The {@code k} most probable of these classes. */
        public Prediction limit(int k) {
            return k >= top.size() ? this : new Prediction(top.subList(0, k));
        }
    }

    /**
     * Wraps a model for prediction, images prepared as {@code preprocessing} says (by its evaluation transform when it
     * has one). Puts it in eval mode; when {@code foldBatchNorm}, folds its BatchNorm layers into the convolutions for
     * speed, after which the model can no longer be trained.
     */
    public Predictor(ResNet net, List<String> classNames, Preprocessing preprocessing, boolean foldBatchNorm) {
        this(net, classNames, preprocessing, foldBatchNorm, preprocessing.evalTransform());
    }

    /**
     * As above, with images prepared by {@code resizeCrop} (torchvision's evaluation preset: resize the short side,
     * then centre crop to the preprocessing's size) instead of fitted directly; null for the direct fit.
     */
    public Predictor(ResNet net, List<String> classNames, Preprocessing preprocessing, boolean foldBatchNorm,
            EvalTransform resizeCrop) {
        this(net, classNames, preprocessing, foldBatchNorm, resizeCrop, false);
    }

    /**
     * As above; with {@code fuse} (and {@code foldBatchNorm}), a post-activation model on the CPU also runs its
     * convolutions fused with their ReLU and residual add ({@link ResNet#fuseForInference}).
     */
    public Predictor(ResNet net, List<String> classNames, Preprocessing preprocessing, boolean foldBatchNorm,
            EvalTransform resizeCrop, boolean fuse) {
        if (resizeCrop != null && (resizeCrop.cropSize() != preprocessing.height()
                || resizeCrop.cropSize() != preprocessing.width())) {
            throw new IllegalArgumentException(resizeCrop + " does not make the model's " + preprocessing);
        }
        this.resizeCrop = resizeCrop;
        if (preprocessing.channels() != net.options().inChannels()) {
            throw new IllegalArgumentException("the model takes " + net.options().inChannels() + "-channel images, the"
                    + " preprocessing makes " + preprocessing.channels());
        }
        this.net = net;
        this.classNames = Dataset.padClassNames(classNames, net.options().numClasses());
        this.preprocessing = preprocessing;
        this.device = ComputeDevice.of(net);
        net.eval();
        if (foldBatchNorm && fuse) {
            net.fuseWherePossible();
        }
        if (foldBatchNorm && !net.isFolded()) {
            net.foldBatchNorm();
        }
        if (Layout.AUTO.channelsLast(net.architecture(), false) && !net.isChannelsLast()) {
            net.toChannelsLast();
        }
    }

    /**
     * Loads a weights file for prediction. A file from resnet4j names its model, classes and preprocessing;
     * for one without (a state dict from PyTorch) give {@code model}; images are then prepared at the model's input
     * size with {@code dataset}'s normalisation.
     */
    public static Predictor load(Path weights, String model, DatasetKind dataset) throws IOException {
        return of(ModelLoader.load(weights, model), dataset);
    }

    /** A predictor for a loaded model, fused for inference where it can be. */
    public static Predictor of(ModelLoader.LoadedModel m, DatasetKind dataset) {
        return of(m, dataset, true);
    }

    /**
     * A predictor for a loaded model, BatchNorm folded and, where it can be and {@code fuse}, fused for inference;
     * {@code dataset} gives the normalisation when the weights record none.
     */
    public static Predictor of(ModelLoader.LoadedModel m, DatasetKind dataset, boolean fuse) {
        Preprocessing p = m.preprocessing();
        if (p == null) {
            p = Preprocessing.defaults(dataset, m.net().options().inChannels(),
                    (int) m.net().architecture().defaultInput().height());
        }
        return new Predictor(m.net(), m.classNames(), p, true, p.evalTransform(), fuse);
    }

    public ResNet model() {
        return net;
    }

    public List<String> classNames() {
        return classNames;
    }

    public Preprocessing preprocessing() {
        return preprocessing;
    }

    public Prediction predict(BufferedImage image, int topK) {
        return predict(List.of(image), topK).get(0);
    }

    public Prediction predict(Path file, int topK) throws IOException {
        return predict(ImageDecoder.read(file), topK);
    }

    /** Predictions for a batch of images, in order. */
    public List<Prediction> predict(List<BufferedImage> images, int topK) {
        List<byte[]> inputs = new ArrayList<>(images.size());
        for (BufferedImage img : images) {
            inputs.add(prepare(img));
        }
        return predictPrepared(inputs, topK);
    }

    /**
     * One image converted, resized and fitted to this model's input (uint8, C×H×W) and nothing more, so that a batch
     * waiting for its forward pass holds a few kilobytes per image whatever size the files were.
     */
    public byte[] prepare(BufferedImage image) {
        Preprocessing p = preprocessing;
        byte[] record = new byte[inputBytes()];
        if (resizeCrop != null) {
            ImageDecoder.toRecord(image, resizeCrop, p.channels(), record, 0);
            return record;
        }
        ImageDecoder.toRecord(image, p.channels(), p.height(), p.width(), p.fit(), record, 0);
        return record;
    }

    /** The length of a {@link #prepare prepared} image. */
    public int inputBytes() {
        return preprocessing.channels() * preprocessing.height() * preprocessing.width();
    }

    /** Predictions for {@link #prepare prepared} images, in order, from one forward pass. */
    public List<Prediction> predictPrepared(List<byte[]> inputs, int topK) {
        if (topK < 1) {
            throw new IllegalArgumentException("top-k must be at least 1, got " + topK);
        }
        int k = Math.min(topK, classNames.size());
        List<Prediction> out = new ArrayList<>();
        try (PointerScope scope = new PointerScope(); NoGradGuard guard = new NoGradGuard()) {
            Tensor probs = torch.softmax(net.forward(device.put(batch(inputs))), 1);
            T_TensorTensor_T top = torch.topk(probs, k);
            float[] p = Tensors.toFloats(top.get0());
            long[] idx = Tensors.toLongs(top.get1());
            for (int i = 0; i < inputs.size(); i++) {
                List<Scored> scored = new ArrayList<>();
                for (int j = 0; j < k; j++) {
                    int c = (int) idx[i * k + j];
                    scored.add(new Scored(c, classNames.get(c), p[i * k + j]));
                }
                out.add(new Prediction(List.copyOf(scored)));
            }
        }
        return out;
    }

    /** The penultimate-layer features of each image: [images][{@link ResNet#featureCount()}]. */
    public float[][] features(List<BufferedImage> images) {
        try (PointerScope scope = new PointerScope(); NoGradGuard guard = new NoGradGuard()) {
            return rows(net.features(device.put(batch(images.stream().map(this::prepare).toList()))), images.size());
        }
    }

    /**
     * The features of a batch of images already at this model's input shape, normalised with its preprocessing in
     * its memory layout (a host tensor).
     */
    public float[][] features(Tensor images) {
        Preprocessing p = preprocessing;
        if (images.dim() != 4 || images.size(1) != p.channels() || images.size(2) != p.height()
                || images.size(3) != p.width()) {
            throw new IllegalArgumentException("the data's images are " + images.size(1) + "x" + images.size(2) + "x"
                    + images.size(3) + ", the model's input " + p);
        }
        try (PointerScope scope = new PointerScope(); NoGradGuard guard = new NoGradGuard()) {
            return rows(net.features(device.put(images)), (int) images.size(0));
        }
    }

    private float[][] rows(Tensor features, int n) {
        float[] flat = Tensors.toFloats(features);
        int f = (int) net.featureCount();
        float[][] out = new float[n][f];
        for (int i = 0; i < n; i++) {
            System.arraycopy(flat, i * f, out[i], 0, f);
        }
        return out;
    }

    /** Normalises prepared images into one input tensor (in the caller's scope). */
    private Tensor batch(List<byte[]> inputs) {
        Preprocessing p = preprocessing;
        int record = inputBytes();
        byte[] pixels = new byte[inputs.size() * record];
        for (int i = 0; i < inputs.size(); i++) {
            byte[] in = inputs.get(i);
            if (in.length != record) {
                throw new IllegalArgumentException("a prepared image for this model has " + record + " bytes ("
                        + p.channels() + "x" + p.height() + "x" + p.width() + "), not " + in.length);
            }
            System.arraycopy(in, 0, pixels, i * record, record);
        }
        InMemoryDataset d = new InMemoryDataset(pixels, new int[inputs.size()], p.channels(), p.height(), p.width(),
                classNames);
        int[] order = new int[inputs.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Batch b = new BatchBuilder(d, p.normalization(), Augmentation.NONE, net.isChannelsLast()).build(order, 0,
                order.length);
        return b.images();
    }
}
