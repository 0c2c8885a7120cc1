package org.resnet4j.model;

import java.nio.file.Path;

import picocli.CommandLine.Option;

/** The model a run trains, before the data fixes its input channels and class count. */
public record ModelSettings(
        @Option(names = "--model", paramLabel = "NAME", defaultValue = "resnet18",
                description = "variant (default ${DEFAULT-VALUE}; 'resnet4j info' lists them)") String model,
        @Option(names = "--shortcut", paramLabel = "A|B",
                description = "shortcut where the shape changes: A (zero-pad) or B (projection) (default: the"
                        + " variant's)") Shortcut shortcut,
        @Option(names = "--zero-init-residual",
                description = "start each block's last BN (or conv) at zero") boolean zeroInitResidual,
        @Option(names = "--init", paramLabel = "SCHEME",
                description = "pytorch, torchvision or he (default: the variant's)") InitScheme init,
        @Option(names = "--weights", paramLabel = "FILE|NAME",
                description = "start from these weights (fine-tuning): a file, or pretrained weights by name"
                        + " (imagenet_resnet50.DEFAULT), which then choose the model; a new classifier head when the"
                        + " class count differs") Path weights) {

    public ModelSettings {
        model = Variants.get(model).name();
    }

    /** The model's options; channels and classes are the variant's until the data sets them. */
    public ModelOptions options() {
        ModelOptions o = ModelOptions.of(model).withZeroInitResidual(zeroInitResidual);
        if (shortcut != null) {
            o = o.withShortcut(shortcut);
        }
        return init != null ? o.withInit(init) : o;
    }
}
