package org.resnet4j.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.resnet4j.config.ConfigJson;
import org.resnet4j.config.Settings;
import org.resnet4j.data.AugmentSettings;
import org.resnet4j.data.DataConfig;
import org.resnet4j.data.DataSettings;
import org.resnet4j.data.ImageInputSettings;
import org.resnet4j.dist.DistSettings;
import org.resnet4j.engine.EngineSettings;
import org.resnet4j.engine.Layout;
import org.resnet4j.io.ModelLoader;
import org.resnet4j.model.ModelOptions;
import org.resnet4j.model.ModelSettings;

/**
 * Everything a training run is made of, one settings record per concern. {@link #reference()} is the reference
 * program: resnet18 on CIFAR-10, 100 epochs, batch 128, SGD lr 0.1, momentum 0.9, weight decay 5e-4, constant
 * learning rate, crop/flip/normalise augmentation, a test-set evaluation after every epoch.
 *
 * <p>Each setting is declared once, in its record, with its command-line flag, default and check; {@link #with}
 * takes the same flags from Java: {@code TrainConfig.reference().with("--model", "resnet20", "--epochs", "30")}.
 */
public record TrainConfig(ModelSettings model, DataSettings data, AugmentSettings augment,
        ImageInputSettings imageInput, OptimSettings optim, ScheduleSettings schedule, RunSettings run,
        EngineSettings engine, DistSettings dist) {

    /** The settings records, in the order of the command line's help and of config.json. */
    public static final List<Class<? extends Record>> PARTS = List.of(ModelSettings.class, DataSettings.class,
            AugmentSettings.class, ImageInputSettings.class, OptimSettings.class, ScheduleSettings.class,
            RunSettings.class, EngineSettings.class, DistSettings.class);

    /**
     * What a resumed run may change: how long and on what resources it runs, where the data lies, how images are
     * bounded, and what it does at a non-finite step (a run that diverged may go on skipping such steps).
     */
    public static final Set<String> RESOURCES = Set.of("epochs", "maxSteps", "threads", "device", "cudnnBenchmark",
            "dataWorkers", "dataDir", "maxImagePixels", "onBadImage", "onNonfinite", "distTimeout", "bucketCapMb");

    /** Settings that may differ between the processes of one distributed run (each has its own machine). */
    public static final Set<String> PER_PROCESS = Set.of("threads", "dataWorkers", "dataDir", "distTimeout");

    public TrainConfig {
        OptimSettings.require(schedule.minLr() < optim.lr(), "--min-lr (" + schedule.minLr()
                + ") must be below --lr (" + optim.lr() + ")");
        if (run.layout() == Layout.CHANNELS_LAST) {
            run.layout().channelsLast(model.options().architecture(), false); // refuses, saying why
        }
    }

    public static TrainConfig reference() {
        return new TrainConfig(Settings.defaults(ModelSettings.class), Settings.defaults(DataSettings.class),
                Settings.defaults(AugmentSettings.class), Settings.defaults(ImageInputSettings.class),
                Settings.defaults(OptimSettings.class), Settings.defaults(ScheduleSettings.class),
                Settings.defaults(RunSettings.class), Settings.defaults(EngineSettings.class),
                Settings.defaults(DistSettings.class));
    }

    /** This config with the settings named in {@code args} (command-line flags and values) changed. */
    public TrainConfig with(String... args) {
        return overlay(Settings.parse(PARTS, args));
    }

    /** This config with whatever {@code parsed} names changed. */
    public TrainConfig overlay(Settings.Parsed parsed) {
        return new TrainConfig(parsed.overlay(model), parsed.overlay(data), parsed.overlay(augment),
                parsed.overlay(imageInput), parsed.overlay(optim), parsed.overlay(schedule), parsed.overlay(run),
                parsed.overlay(engine), parsed.overlay(dist));
    }

    public List<Record> parts() {
        return List.of(model, data, augment, imageInput, optim, schedule, run, engine, dist);
    }

    /** The flags of the settings in which {@code other} differs from this config, leaving out {@code ignored}. */
    public List<String> differences(TrainConfig other, Set<String> ignored) {
        List<String> out = new ArrayList<>();
        List<Record> mine = parts();
        List<Record> theirs = other.parts();
        for (int i = 0; i < mine.size(); i++) {
            for (Settings.Setting s : Settings.differences(mine.get(i), theirs.get(i))) {
                if (!ignored.contains(s.name())) {
                    out.add(s.flag());
                }
            }
        }
        return out;
    }

    /** This config with the run's seed fixed. */
    public TrainConfig withSeed(long seed) {
        return new TrainConfig(model, data, augment, imageInput, optim, schedule, Settings.with(run, "seed", seed),
                engine, dist);
    }

    /**
     * This config training the model its {@code --weights} are for, when they name pretrained weights
     * ({@code imagenet_resnet50.DEFAULT} trains imagenet_resnet50); otherwise unchanged.
     *
     * @throws IllegalArgumentException for a registry-style name the registry does not know
     */
    public TrainConfig withModelOfWeights() {
        return model.weights() == null ? this : ModelLoader.pretrained(model.weights()).map(w -> with("--model",
                w.model())).orElse(this);
    }

    /** The peak learning rate: {@code --lr}, scaled to the batch of an optimiser step when --lr-batch asks. */
    public double lr() {
        return optim.lrFor(run.batchSize() * run.accumulate());
    }

    /** The model this config trains, before the data fixes its input channels and class count. */
    public ModelOptions modelOptions() {
        return model.options();
    }

    /** The data this config trains on; folders and synthetic images take the model's input shape. */
    public DataConfig dataConfig() {
        return data.resolve(modelOptions().architecture().defaultInput());
    }

    /** A one-line description of the optimisation recipe, for logs. */
    public String describe() {
        return String.format("%s, %s, batch %d, %d epochs, %s%s", optim.describe(), schedule.describe(),
                run.batchSize(), run.epochs(), run.precision(), run.evalTta() ? ", flip-TTA evaluation" : "");
    }

    public String toJson() {
        try {
            ObjectNode n = ConfigJson.MAPPER.createObjectNode();
            List<Record> parts = parts();
            for (int i = 0; i < parts.size(); i++) {
                n.set(partName(PARTS.get(i)), ConfigJson.MAPPER.valueToTree(parts.get(i)));
            }
            return ConfigJson.MAPPER.writeValueAsString(n);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the configuration: " + e.getOriginalMessage(), e);
        }
    }

    /**
     * Reads a config written by {@link #toJson()}, or by resnet4j before the settings were grouped (one flat object),
     * so older run folders and checkpoints still resume.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static TrainConfig fromJson(String json) {
        try {
            JsonNode n = ConfigJson.MAPPER.readTree(json);
            if (n == null || !n.isObject()) {
                throw new IllegalArgumentException("a training configuration is a JSON object");
            }
            ObjectNode grouped = n.path("model").isTextual() ? Legacy.group((ObjectNode) n) : (ObjectNode) n;
            Object[] parts = new Object[PARTS.size()];
            for (int i = 0; i < parts.length; i++) {
                String name = partName(PARTS.get(i));
                // settings a file leaves out (older files lack newer ones) keep their declared defaults
                ObjectNode p = ConfigJson.MAPPER.valueToTree(Settings.defaults(PARTS.get(i)));
                JsonNode given = grouped.remove(name);
                if (given != null && !given.isObject()) {
                    throw new IllegalArgumentException("settings group '" + name + "' is not a JSON object");
                }
                if (given != null) {
                    given.properties().forEach(e -> {
                        if (!p.has(e.getKey())) {
                            throw new IllegalArgumentException("unknown setting '" + e.getKey() + "' in " + name);
                        }
                        p.set(e.getKey(), e.getValue());
                    });
                }
                parts[i] = ConfigJson.MAPPER.treeToValue(p, PARTS.get(i));
            }
            if (!grouped.isEmpty()) {
                throw new IllegalArgumentException("unknown settings group(s) " + grouped.properties().stream()
                        .map(Map.Entry::getKey).toList());
            }
            return new TrainConfig((ModelSettings) parts[0], (DataSettings) parts[1], (AugmentSettings) parts[2],
                    (ImageInputSettings) parts[3], (OptimSettings) parts[4], (ScheduleSettings) parts[5],
                    (RunSettings) parts[6], (EngineSettings) parts[7], (DistSettings) parts[8]);
        } catch (JsonProcessingException e) {
            Throwable cause = e.getCause() instanceof IllegalArgumentException iae ? iae : e;
            throw new IllegalArgumentException("unreadable training configuration: " + (cause == e
                    ? e.getOriginalMessage() : cause.getMessage()), e);
        }
    }

    private static String partName(Class<? extends Record> part) {
        String s = part.getSimpleName().replace("Settings", "");
        return s.substring(0, 1).toLowerCase(Locale.ROOT) + s.substring(1);
    }

    /** The flat config.json of resnet4j 0.1 (format 1 checkpoints): one object with every setting. */
    private static final class Legacy {
        private Legacy() {
        }

        static ObjectNode group(ObjectNode flat) {
            ObjectNode old = flat.deepCopy();
            ObjectNode out = ConfigJson.MAPPER.createObjectNode();
            JsonNode cl = old.remove("channels_last");
            if (cl != null && !cl.isNull()) {
                old.put("layout", cl.asBoolean() ? "channels-last" : "nchw");
            }
            JsonNode b1 = old.remove("beta1");
            JsonNode b2 = old.remove("beta2");
            if (b1 != null && b2 != null) {
                old.putObject("betas").put("beta1", b1.asDouble()).put("beta2", b2.asDouble());
            }
            for (Class<? extends Record> part : PARTS) {
                ObjectNode p = out.putObject(partName(part));
                for (Settings.Setting s : Settings.of(part)) {
                    String key = snake(s.name());
                    JsonNode v = old.remove(key);
                    if (v != null) {
                        p.set(key, v);
                    }
                }
            }
            if (!old.isEmpty()) {
                throw new IllegalArgumentException("unknown setting(s) " + old.properties().stream()
                        .map(Map.Entry::getKey).toList());
            }
            return out;
        }

        private static String snake(String camel) {
            return camel.replaceAll("([A-Z])", "_$1").toLowerCase(Locale.ROOT);
        }
    }
}
