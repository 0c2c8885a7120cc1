package org.resnet4j.tensorboard;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnet4j.train.MetricsRow;
import org.resnet4j.train.TrainResult;
import org.resnet4j.train.TrainStep;
import org.tensorflow.framework.Summary;
import org.tensorflow.util.Event;

import tensorboard.hparams.Api;
import tensorboard.hparams.PluginData;

/** The listener's events, read back in Java with their framing checked (TensorBoardTrainingTest reads in Python). */
class TensorBoardListenerTest {
    @TempDir
    Path dir;

    private static List<Event> events(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        List<Event> out = new ArrayList<>();
        while (b.hasRemaining()) {
            byte[] head = new byte[8];
            b.get(head);
            long length = ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN).getLong();
            assertThat(b.getInt()).isEqualTo(EventFileWriter.maskedCrc32c(head, 0, 8));
            byte[] data = new byte[(int) length];
            b.get(data);
            assertThat(b.getInt()).isEqualTo(EventFileWriter.maskedCrc32c(data, 0, data.length));
            out.add(Event.parseFrom(data));
        }
        return out;
    }

    @Test
    void stepLossesEpochScalarsAndTheSessionAreWritten() throws IOException {
        Map<String, Object> hp = new LinkedHashMap<>();
        hp.put("lr", 0.1);
        hp.put("model", "resnet20");
        hp.put("nesterov", true);
        TensorBoardListener l = TensorBoardListener.open(dir, hp, 2);
        l.started(List.of());
        for (long step = 1; step <= 4; step++) {
            l.afterStep(step, new TrainStep.Outcome(1.0 / step, 3));
        }
        l.epochEnded(new MetricsRow(1, 0.1, 1.5, 0.25, 1.25, 0.5, 1.125, 0.375, 2.0, 64), new String[0]);
        l.runEnded(TrainResult.Status.COMPLETED);

        List<Event> events = events(l.file());
        assertThat(events.get(0).getFileVersion()).isEqualTo("brain.Event:2");
        Map<String, List<long[]>> steps = new LinkedHashMap<>();
        Map<String, Float> values = new LinkedHashMap<>();
        Map<String, PluginData.HParamsPluginData> hparams = new LinkedHashMap<>();
        for (Event e : events) {
            for (Summary.Value v : e.getSummary().getValueList()) {
                if (v.getMetadata().getPluginData().getPluginName().equals("hparams")) {
                    hparams.put(v.getTag(), PluginData.HParamsPluginData.parseFrom(
                            v.getMetadata().getPluginData().getContent()));
                } else {
                    steps.computeIfAbsent(v.getTag(), k -> new ArrayList<>()).add(new long[] {e.getStep()});
                    values.put(v.getTag() + "@" + e.getStep(), v.getSimpleValue());
                }
            }
        }
        assertThat(values).containsEntry("train/step_loss@2", 0.5f).containsEntry("train/step_loss@4", 0.25f)
                .doesNotContainKey("train/step_loss@1").containsEntry("train/loss@1", 1.5f)
                .containsEntry("val/acc@1", 0.5f).containsEntry("test/acc@1", 0.375f).containsEntry("lr@1", 0.1f)
                .containsEntry("images_per_second@1", 64f);
        assertThat(hparams.get("_hparams_/session_start_info").getSessionStartInfo().getHparamsMap())
                .containsOnlyKeys("lr", "model", "nesterov");
        assertThat(hparams.get("_hparams_/session_start_info").getSessionStartInfo().getHparamsOrThrow("nesterov")
                .getBoolValue()).isTrue();
        assertThat(hparams.get("_hparams_/experiment").getExperiment().getHparamInfosList())
                .extracting(Api.HParamInfo::getType).containsExactly(Api.DataType.DATA_TYPE_FLOAT64,
                        Api.DataType.DATA_TYPE_STRING, Api.DataType.DATA_TYPE_BOOL);
        assertThat(hparams.get("_hparams_/session_end_info").getSessionEndInfo().getStatus())
                .isEqualTo(Api.Status.STATUS_SUCCESS);
    }

    @Test
    void aRunStoppedForResumingLeavesTheSessionOpen() throws IOException {
        TensorBoardListener l = TensorBoardListener.open(dir, Map.of(), 0);
        l.started(List.of());
        l.afterStep(50, new TrainStep.Outcome(0.5, 3));
        l.runEnded(TrainResult.Status.STOPPED);
        assertThat(events(l.file())).allSatisfy(e -> assertThat(e.getSummary().getValueList()).noneMatch(
                v -> v.getTag().equals("_hparams_/session_end_info") || v.getTag().equals("train/step_loss")));
    }

    @Test
    void settingsJsonBecomesFlatHyperparameters() {
        Map<String, Object> hp = TensorBoardListener.hparamsOf(
                "{\"model\":{\"model\":\"resnet20\",\"seed\":null},\"optim\":{\"lr\":0.1,\"milestones\":[1,2]},"
                        + "\"run\":{\"seed\":5,\"deterministic\":true}}");
        assertThat(hp).containsEntry("model", "resnet20").containsEntry("lr", 0.1)
                .containsEntry("milestones", "[1,2]").containsEntry("run.seed", 5.0)
                .containsEntry("deterministic", true).doesNotContainKey("model.seed");
    }
}
