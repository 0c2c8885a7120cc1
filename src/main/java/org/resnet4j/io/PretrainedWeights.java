package org.resnet4j.io;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.resnet4j.data.DatasetKind;
import org.resnet4j.data.ImageDecoder;
import org.resnet4j.data.Preprocessing;
import org.resnet4j.data.image.Resample;
import org.resnet4j.data.transform.EvalTransform;

/**
 * torchvision's ImageNet-1k weights for its ResNets, as its {@code ResNet50_Weights} enums list them
 * (torchvision/models/resnet.py, torchvision 0.29): the file, its accuracy on ImageNet-1k's validation set, the
 * parameter count and the evaluation transform they were measured with. Named as
 * {@code imagenet_resnet50.IMAGENET1K_V2}, or {@code imagenet_resnet50.DEFAULT} for the best of a model.
 */
public enum PretrainedWeights {
    RESNET18_V1("imagenet_resnet18", "IMAGENET1K_V1", "resnet18-f37072fd.pth", 69.758, 89.078, 11_689_512, 256, true),
    RESNET34_V1("imagenet_resnet34", "IMAGENET1K_V1", "resnet34-b627a593.pth", 73.314, 91.420, 21_797_672, 256, true),
    RESNET50_V1("imagenet_resnet50", "IMAGENET1K_V1", "resnet50-0676ba61.pth", 76.130, 92.862, 25_557_032, 256, false),
    RESNET50_V2("imagenet_resnet50", "IMAGENET1K_V2", "resnet50-11ad3fa6.pth", 80.858, 95.434, 25_557_032, 232, true),
    RESNET101_V1("imagenet_resnet101", "IMAGENET1K_V1", "resnet101-63fe2227.pth", 77.374, 93.546, 44_549_160, 256,
            false),
    RESNET101_V2("imagenet_resnet101", "IMAGENET1K_V2", "resnet101-cd907fc2.pth", 81.886, 95.780, 44_549_160, 232,
            true),
    RESNET152_V1("imagenet_resnet152", "IMAGENET1K_V1", "resnet152-394f9c45.pth", 78.312, 94.046, 60_192_808, 256,
            false),
    RESNET152_V2("imagenet_resnet152", "IMAGENET1K_V2", "resnet152-f82ba261.pth", 82.284, 96.002, 60_192_808, 232,
            true);

    /** Where torchvision publishes them. */
    public static final String BASE_URL = "https://download.pytorch.org/models/";
    /** torch.hub's convention: the file name carries the start of the file's SHA-256. */
    private static final Pattern HASH_IN_NAME = Pattern.compile("-([a-f0-9]+)\\.");
    private static final Pattern NAME = Pattern.compile("([A-Za-z0-9_]+)\\.([A-Za-z0-9_]+)");
    private static final int CROP = 224;

    private final String model;
    private final String tag;
    private final String fileName;
    private final double acc1;
    private final double acc5;
    private final long parameters;
    private final int resizeSize;
    private final boolean isDefault;

    PretrainedWeights(String model, String tag, String fileName, double acc1, double acc5, long parameters,
            int resizeSize, boolean isDefault) {
        this.model = model;
        this.tag = tag;
        this.fileName = fileName;
        this.acc1 = acc1;
        this.acc5 = acc5;
        this.parameters = parameters;
        this.resizeSize = resizeSize;
        this.isDefault = isDefault;
    }

    /** The resnet4j variant these weights are for, e.g. {@code imagenet_resnet50}. */
    public String model() {
        return model;
    }

    public String tag() {
        return tag;
    }

    /** {@code imagenet_resnet50.IMAGENET1K_V2}. */
    public String id() {
        return model + "." + tag;
    }

    public String fileName() {
        return fileName;
    }

    /** The start of the file's SHA-256 (lower-case hex), as its name carries it. */
    public String sha256Prefix() {
        return sha256Prefix(fileName);
    }

    /** The hash in a torch.hub file name ({@code name-<hex>.ext}), as torch.hub's {@code HASH_REGEX} finds it. */
    public static String sha256Prefix(String fileName) {
        Matcher m = HASH_IN_NAME.matcher(fileName);
        if (!m.find() || m.group(1).isEmpty()) {
            throw new IllegalArgumentException(fileName + " carries no hash (name-<start of its SHA-256>.ext)");
        }
        return m.group(1);
    }

    /** Top-1 accuracy on ImageNet-1k's validation set, in percent, as torchvision publishes it. */
    public double acc1() {
        return acc1;
    }

    public double acc5() {
        return acc5;
    }

    public long parameters() {
        return parameters;
    }

    public boolean isDefault() {
        return isDefault;
    }

    /** torchvision's {@code ImageClassification} preset these weights were measured with. */
    public EvalTransform evalTransform() {
        return new EvalTransform(resizeSize, CROP, Resample.Filter.BILINEAR, false);
    }

    /**
     * The input preparation recorded with models built from these weights: 224×224 RGB by {@link #evalTransform},
     * ImageNet statistics.
     */
    public Preprocessing preprocessing() {
        return new Preprocessing(DatasetKind.FOLDER.id(), 3, CROP, CROP, ImageDecoder.Fit.CROP,
                DatasetKind.FOLDER.normalization(3), evalTransform());
    }

    /** ImageNet-1k's 1,000 class names in index order (torchvision's {@code _IMAGENET_CATEGORIES}). */
    public static List<String> imagenetClasses() {
        return Classes.NAMES;
    }

    /** Whether {@code name} has the form of a registry name ({@code MODEL.TAG}), known or not. */
    public static boolean looksLikeName(String name) {
        return NAME.matcher(name).matches() && !name.contains("/")
                && name.substring(name.indexOf('.') + 1).equals(name.substring(name.indexOf('.') + 1)
                        .toUpperCase(Locale.ROOT));
    }

    /**
     * The weights called {@code name}; {@code MODEL.DEFAULT} is the model's best.
     *
     * @throws IllegalArgumentException for an unknown name, listing the known ones
     */
    public static PretrainedWeights byName(String name) {
        return find(name).orElseThrow(() -> new IllegalArgumentException("no weights file or pretrained weights called "
                + name + "; pretrained: "
                + Arrays.stream(values()).map(PretrainedWeights::id).collect(Collectors.joining(", "))
                + " (and MODEL.DEFAULT)"));
    }

    public static Optional<PretrainedWeights> find(String name) {
        Matcher m = NAME.matcher(name);
        if (!m.matches()) {
            return Optional.empty();
        }
        String model = m.group(1).toLowerCase(Locale.ROOT);
        String tag = m.group(2).toUpperCase(Locale.ROOT);
        return Arrays.stream(values()).filter(w -> w.model.equals(model)
                && (tag.equals("DEFAULT") ? w.isDefault : w.tag.equals(tag))).findFirst();
    }

    private static final class Classes {
        static final List<String> NAMES = read();

        private static List<String> read() {
            try (InputStream in = PretrainedWeights.class.getResourceAsStream("imagenet-classes.txt")) {
                if (in == null) {
                    throw new IllegalStateException("imagenet-classes.txt is missing from the resources");
                }
                List<String> names = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).lines()
                        .toList();
                if (names.size() != 1000) {
                    throw new IllegalStateException("imagenet-classes.txt holds " + names.size() + " names, not 1000");
                }
                return names;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
