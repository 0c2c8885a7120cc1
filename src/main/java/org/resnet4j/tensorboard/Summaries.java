package org.resnet4j.tensorboard;

import java.util.List;
import java.util.Map;

import com.google.protobuf.ByteString;
import com.google.protobuf.Value;

import org.tensorflow.framework.Summary;
import org.tensorflow.framework.SummaryMetadata;

import tensorboard.hparams.Api;
import tensorboard.hparams.PluginData;

/**
 * Summary values as {@code torch.utils.tensorboard} writes them: scalars as {@code simple_value} (float32), images
 * as encoded PNG, and hyperparameters as the HParams plugin's experiment, session start and session end records.
 */
public final class Summaries {
    static final String HPARAMS_PLUGIN = "hparams";
    static final String EXPERIMENT_TAG = "_hparams_/experiment";
    static final String SESSION_START_INFO_TAG = "_hparams_/session_start_info";
    static final String SESSION_END_INFO_TAG = "_hparams_/session_end_info";

    private Summaries() {
    }

    public static Summary.Value scalar(String tag, double value) {
        return Summary.Value.newBuilder().setTag(tag).setSimpleValue((float) value).build();
    }

    public static Summary.Value pngImage(String tag, byte[] png, int width, int height, int channels) {
        return Summary.Value.newBuilder().setTag(tag).setImage(Summary.Image.newBuilder().setWidth(width)
                .setHeight(height).setColorspace(channels).setEncodedImageString(ByteString.copyFrom(png))).build();
    }

    /**
     * The hyperparameters' names and types, and the tags of the metrics to show beside them (add_hparams' experiment).
     * Values are numbers, strings or booleans.
     */
    public static Summary.Value experiment(Map<String, Object> hparams, List<String> metricTags) {
        Api.Experiment.Builder e = Api.Experiment.newBuilder();
        hparams.forEach((k, v) -> e.addHparamInfos(Api.HParamInfo.newBuilder().setName(k).setType(typeOf(v))));
        metricTags.forEach(t -> e.addMetricInfos(Api.MetricInfo.newBuilder()
                .setName(Api.MetricName.newBuilder().setTag(t))));
        return hparamsValue(EXPERIMENT_TAG, PluginData.HParamsPluginData.newBuilder().setExperiment(e));
    }

    /** This run's hyperparameter values (add_hparams' session_start_info). */
    public static Summary.Value sessionStart(Map<String, Object> hparams) {
        PluginData.SessionStartInfo.Builder s = PluginData.SessionStartInfo.newBuilder();
        hparams.forEach((k, v) -> s.putHparams(k, valueOf(v)));
        return hparamsValue(SESSION_START_INFO_TAG, PluginData.HParamsPluginData.newBuilder().setSessionStartInfo(s));
    }

    public static Summary.Value sessionEnd(Api.Status status) {
        return hparamsValue(SESSION_END_INFO_TAG, PluginData.HParamsPluginData.newBuilder()
                .setSessionEndInfo(PluginData.SessionEndInfo.newBuilder().setStatus(status)));
    }

    private static Summary.Value hparamsValue(String tag, PluginData.HParamsPluginData.Builder content) {
        content.setVersion(0); // the plugin's PLUGIN_DATA_VERSION
        return Summary.Value.newBuilder().setTag(tag).setMetadata(SummaryMetadata.newBuilder().setPluginData(
                SummaryMetadata.PluginData.newBuilder().setPluginName(HPARAMS_PLUGIN)
                        .setContent(content.build().toByteString()))).build();
    }

    private static Api.DataType typeOf(Object v) {
        if (v instanceof Boolean) {
            return Api.DataType.DATA_TYPE_BOOL;
        }
        if (v instanceof Number) {
            return Api.DataType.DATA_TYPE_FLOAT64;
        }
        if (v instanceof String) {
            return Api.DataType.DATA_TYPE_STRING;
        }
        throw new IllegalArgumentException("a hyperparameter is a number, string or boolean, not " + v);
    }

    private static Value valueOf(Object v) {
        if (v instanceof Boolean b) {
            return Value.newBuilder().setBoolValue(b).build();
        }
        if (v instanceof Number n) {
            return Value.newBuilder().setNumberValue(n.doubleValue()).build();
        }
        return Value.newBuilder().setStringValue(v.toString()).build();
    }
}
