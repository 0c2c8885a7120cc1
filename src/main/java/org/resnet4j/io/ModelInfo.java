package org.resnet4j.io;

import java.util.Arrays;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.SerializationFeature;

import org.resnet4j.config.ConfigJson;
import org.resnet4j.data.ImageDecoder;
import org.resnet4j.data.Normalization;
import org.resnet4j.data.Preprocessing;
import org.resnet4j.data.image.Resample;
import org.resnet4j.data.transform.EvalTransform;
import org.resnet4j.model.InitScheme;
import org.resnet4j.model.ModelOptions;
import org.resnet4j.model.Shortcut;

/**
 * What a weights file says about the model it holds (kept in its metadata as JSON): its options, class names, and
 * how its input was prepared (null when unknown).
 */
public record ModelInfo(ModelOptions options, List<String> classNames, Preprocessing preprocessing) {
    /** Metadata key of the description in safetensors files written by resnet4j. */
    public static final String KEY = "resnet4j.model";
    /** The largest input side a description may give (a ResNet trained on 8192² images is already far out). */
    public static final int MAX_SIDE = 8192;

    public ModelInfo {
        classNames = classNames == null ? List.of() : List.copyOf(classNames);
    }

    public String toJson() {
        Input input = null;
        if (preprocessing != null) {
            Preprocessing p = preprocessing;
            EvalTransform t = p.evalTransform();
            input = new Input(p.dataset(), new int[] {p.channels(), p.height(), p.width()}, p.fit(),
                    p.normalization().mean(), p.normalization().std(), t != null ? t.resizeSize() : null,
                    t != null ? t.interpolation() : null);
        }
        ModelOptions o = options;
        try {
            return ConfigJson.MAPPER.writer().without(SerializationFeature.INDENT_OUTPUT)
                    .writeValueAsString(new Stored(o.name(), o.inChannels(), o.numClasses(), o.shortcut(),
                            o.zeroInitResidual(), o.init(), classNames, input));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads a description; {@code source} names the file in the error. */
    public static ModelInfo fromJson(String json, String source) throws WeightsFormatException {
        Stored s;
        try {
            s = ConfigJson.MAPPER.readValue(json, Stored.class);
        } catch (JsonProcessingException e) {
            throw new WeightsFormatException(source + ": unreadable model description (" + e.getOriginalMessage()
                    + ")", e);
        }
        try {
            ModelOptions base = ModelOptions.of(s.name());
            ModelOptions o = base.withInChannels(s.inChannels()).withClasses(s.classes()).withShortcut(s.shortcut())
                    .withZeroInitResidual(s.zeroInitResidual()).withInit(s.init() != null ? s.init() : base.init());
            Preprocessing p = null;
            if (s.input() != null) {
                Input in = s.input();
                int[] shape = in.shape();
                if (shape[0] < 1 || shape[0] > ModelOptions.MAX_IN_CHANNELS || shape[1] < 1 || shape[1] > MAX_SIDE
                        || shape[2] < 1 || shape[2] > MAX_SIDE) {
                    throw new IllegalArgumentException("input shape " + Arrays.toString(shape) + " is not 1.."
                            + ModelOptions.MAX_IN_CHANNELS + " channels of 1.." + MAX_SIDE + " pixels a side");
                }
                if (in.mean().length != shape[0] || in.std().length != shape[0]) {
                    throw new IllegalArgumentException("the normalisation needs one mean and std per input channel");
                }
                p = new Preprocessing(in.dataset(), in.shape()[0], in.shape()[1], in.shape()[2], in.fit(),
                        new Normalization(in.mean(), in.std()), evalTransform(in));
            }
            return new ModelInfo(o, s.classNames(), p);
        } catch (IllegalArgumentException e) {
            throw new WeightsFormatException(source + ": invalid model description (" + e.getMessage() + ")", e);
        }
    }

    /**
     * The transform an input description's {@code eval_resize} and {@code interpolation} give: resize the short side
     * to eval_resize, then centre crop to the input's height (null when neither is given).
     */
    private static EvalTransform evalTransform(Input in) {
        if (in.evalResize() == null && in.interpolation() == null) {
            return null;
        }
        if (in.evalResize() == null || in.interpolation() == null) {
            throw new IllegalArgumentException("the input's evaluation transform needs both eval_resize and"
                    + " interpolation");
        }
        int[] shape = in.shape();
        if (shape[0] != 1 && shape[0] != 3 || shape[1] != shape[2] || in.evalResize() < shape[1]
                || in.evalResize() > MAX_SIDE) {
            throw new IllegalArgumentException("eval_resize " + in.evalResize() + " then a centre crop cannot make"
                    + " the input shape " + Arrays.toString(shape) + " (a square RGB or grey input, resized to "
                    + shape[1] + ".." + MAX_SIDE + ")");
        }
        return new EvalTransform(in.evalResize(), shape[1], in.interpolation(), false);
    }

    /**
     * The stored form, field for field the JSON resnet4j has always written; the input's evaluation transform only
     * where there is one, so that files without it read in versions that do not know it.
     */
    private record Stored(String name, int inChannels, int classes, Shortcut shortcut, boolean zeroInitResidual,
            InitScheme init, List<String> classNames, Input input) {
        Stored {
            if (name == null || shortcut == null) {
                throw new IllegalArgumentException("the description lacks the model's name or shortcut option");
            }
        }
    }

    private record Input(String dataset, int[] shape, ImageDecoder.Fit fit, float[] mean, float[] std,
            @JsonInclude(JsonInclude.Include.NON_NULL) Integer evalResize,
            @JsonInclude(JsonInclude.Include.NON_NULL) Resample.Filter interpolation) {
        Input {
            if (dataset == null || fit == null || shape == null || shape.length != 3 || mean == null || std == null) {
                throw new IllegalArgumentException("the input description lacks the dataset, shape, fit or"
                        + " normalisation");
            }
        }
    }
}
