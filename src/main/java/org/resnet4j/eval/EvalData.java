package org.resnet4j.eval;

import java.io.IOException;
import java.nio.file.Path;

import org.resnet4j.config.Settings;
import org.resnet4j.data.DataConfig;
import org.resnet4j.data.DataSettings;
import org.resnet4j.data.DatasetKind;
import org.resnet4j.data.Preprocessing;
import org.resnet4j.model.ResNet;
import org.resnet4j.model.Shape;
import org.resnet4j.train.Checkpoint;
import org.resnet4j.train.TrainConfig;

/**
 * The data trained weights are evaluated on: the run's own when the weights are a checkpoint (same folder, same
 * validation carve, same synthetic images), otherwise the defaults of the dataset the weights were trained on,
 * prepared as they were.
 */
public final class EvalData {
    private EvalData() {
    }

    /**
     * The settings to start from: a checkpoint's own unless {@code otherData} (the user named a dataset or a folder),
     * else the defaults for the dataset the weights name (CIFAR-10 when they name none) with their fit.
     */
    public static DataSettings base(Path weights, Preprocessing prep, boolean otherData) throws IOException {
        TrainConfig recorded = otherData ? null : Checkpoint.configOf(weights);
        if (recorded != null) {
            return recorded.data();
        }
        DataSettings d = Settings.with(Settings.defaults(DataSettings.class), "dataset",
                prep != null ? DatasetKind.parse(prep.dataset()) : DatasetKind.CIFAR10);
        return prep != null ? Settings.with(d, "fit", prep.fit()) : d;
    }

    /** {@code s} at the model's input shape: as the weights were prepared, else {@code defaultInput}. */
    public static DataConfig resolve(DataSettings s, Preprocessing prep, Shape defaultInput) {
        return s.resolve(prep != null ? new Shape(prep.channels(), prep.height(), prep.width()) : defaultInput);
    }

    /** The variant's input size at the model's channels. */
    public static Shape defaultInput(ResNet net) {
        Shape d = net.architecture().defaultInput();
        return new Shape(net.options().inChannels(), d.height(), d.width());
    }
}
