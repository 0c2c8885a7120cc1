package org.resnet4j.train;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.PropertyAccessor;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;

import org.resnet4j.data.DataConfig;
import org.resnet4j.data.DataLocation;
import org.resnet4j.data.DatasetKind;
import org.resnet4j.data.ImageDecoder;
import org.resnet4j.model.Architecture;
import org.resnet4j.model.InitScheme;
import org.resnet4j.model.ModelOptions;
import org.resnet4j.model.Shape;
import org.resnet4j.model.Shortcut;

/**
 * Everything a training run is made of. A fresh config is the reference program: resnet18 on CIFAR-10, 100 epochs,
 * batch 128, SGD lr 0.1, momentum 0.9, weight decay 5e-4, constant learning rate, crop/flip/normalise augmentation,
 * a test-set evaluation after every epoch. Setters return the config, so changes chain.
 */
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY, getterVisibility = JsonAutoDetect.Visibility.NONE,
        isGetterVisibility = JsonAutoDetect.Visibility.NONE, setterVisibility = JsonAutoDetect.Visibility.NONE)
@JsonIgnoreProperties(ignoreUnknown = false)
public final class TrainConfig {
    private static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .setVisibility(PropertyAccessor.ALL, JsonAutoDetect.Visibility.NONE)
            .setVisibility(PropertyAccessor.FIELD, JsonAutoDetect.Visibility.ANY)
            .enable(SerializationFeature.INDENT_OUTPUT);

    // model
    String model = "resnet18";
    String shortcut;
    boolean zeroInitResidual;
    String init;
    String weights;
    // data
    String dataset = "cifar10";
    String dataDir;
    int valSplit;
    long valSeed;
    boolean stratify = true;
    Integer imageSize;
    Integer imageChannels;
    String fit = "crop";
    boolean augment = true;
    int cutout;
    boolean coarseLabels;
    int syntheticSize = 50_000;
    int syntheticClasses = 10;
    int dataWorkers = 1;
    boolean download = true;
    boolean allowChecksumMismatch;
    // optimisation
    String optimizer = "sgd";
    double lr = 0.1;
    double momentum = 0.9;
    boolean nesterov;
    double weightDecay = 5e-4;
    boolean noDecayBnBias;
    double beta1 = 0.9;
    double beta2 = 0.999;
    double eps = 1e-8;
    double labelSmoothing;
    double gradClip;
    // schedule
    String schedule = "constant";
    List<Double> milestones = new ArrayList<>();
    List<Long> milestoneSteps = new ArrayList<>();
    double gamma = 0.1;
    double warmupEpochs;
    double minLr;
    double pctStart = 0.3;
    // the run
    int epochs = 100;
    int batchSize = 128;
    int evalBatchSize = 256;
    boolean evalTta;
    String precision = "fp32";
    Boolean channelsLast;
    Long seed;
    boolean deterministic;
    long maxSteps;
    int limitTrainBatches;
    int limitEvalBatches;
    int threads = Runtime.getRuntime().availableProcessors();

    public TrainConfig copy() {
        try {
            return fromJson(toJson());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the configuration: " + e.getOriginalMessage(), e);
        }
    }

    public static TrainConfig fromJson(String json) throws JsonProcessingException {
        return JSON.readValue(json, TrainConfig.class);
    }

    /** Checks every value and combination; throws IllegalArgumentException naming the first problem. */
    public TrainConfig validate() {
        require(epochs >= 1, "epochs must be at least 1");
        require(batchSize >= 1, "batch size must be at least 1");
        require(evalBatchSize >= 1, "eval batch size must be at least 1");
        require(lr > 0 && Double.isFinite(lr), "learning rate must be positive");
        require(momentum >= 0 && momentum < 1, "momentum must be in [0, 1)");
        require(weightDecay >= 0, "weight decay cannot be negative");
        require(labelSmoothing >= 0 && labelSmoothing < 1, "label smoothing must be in [0, 1)");
        require(gradClip >= 0, "gradient clipping norm cannot be negative");
        require(gamma > 0 && gamma <= 1, "gamma must be in (0, 1]");
        require(warmupEpochs >= 0, "warm-up epochs cannot be negative");
        require(pctStart > 0 && pctStart < 1, "one-cycle pct-start must be in (0, 1)");
        require(minLr >= 0 && minLr < lr, "minimum learning rate must be in [0, lr)");
        require(maxSteps >= 0 && limitTrainBatches >= 0 && limitEvalBatches >= 0, "limits cannot be negative");
        require(threads >= 1, "threads must be at least 1");
        require(dataWorkers >= 1, "data workers must be at least 1");
        require(cutout >= 0, "cutout size cannot be negative");
        require(!nesterov || momentum > 0, "Nesterov momentum needs --momentum > 0");
        require(List.of("sgd", "adamw").contains(optimizer), "unknown optimizer '" + optimizer + "' (expected sgd or"
                + " adamw)");
        require(List.of("constant", "multistep", "cosine", "onecycle").contains(schedule), "unknown schedule '"
                + schedule + "' (expected constant, multistep, cosine or onecycle)");
        require(!schedule.equals("multistep") || !milestones.isEmpty() || !milestoneSteps.isEmpty(),
                "the multistep schedule needs --milestones (epochs) or --milestone-steps (iterations)");
        require(milestones.isEmpty() || milestoneSteps.isEmpty(), "give milestones in epochs or in steps, not both");
        require(!schedule.equals("onecycle") || warmupEpochs == 0, "one-cycle has its own warm-up (--pct-start)");
        require(List.of("fp32", "bf16").contains(precision), "unknown precision '" + precision + "' (expected fp32"
                + " or bf16)");
        require(List.of("crop", "pad").contains(fit), "--fit must be crop or pad");
        ModelOptions.of(model); // each of these throws naming what is wrong
        DatasetKind kind = DatasetKind.parse(dataset);
        require(imageSize == null || kind.shape() == null || imageSize == kind.shape().height(),
                "--image-size applies to folder and synthetic data; " + kind.id() + " images have their own size");
        require(imageChannels == null || (kind.shape() == null && (imageChannels == 1 || imageChannels == 3)),
                "--channels applies to folder and synthetic data, and is 1 or 3");
        if (shortcut != null) {
            Shortcut.parse(shortcut);
        }
        if (init != null) {
            InitScheme.parse(init);
        }
        return this;
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    /**
     * Whether {@code other} trains with the same recipe, leaving aside what a run may change without changing its
     * results: where the data lies, threads, data workers and the step limit, and the seed when this config leaves
     * it open.
     */
    public boolean sameRecipeAs(TrainConfig other) {
        TrainConfig a = copy();
        TrainConfig b = other.copy();
        for (TrainConfig c : List.of(a, b)) {
            c.dataDir(null).threads(1).dataWorkers(1).maxSteps(0);
        }
        if (seed == null) {
            b.seed(null);
        }
        return a.toJson().equals(b.toJson());
    }

    /** The model this config trains, before the data fixes its input channels and class count. */
    public ModelOptions modelOptions() {
        ModelOptions o = ModelOptions.of(model).withZeroInitResidual(zeroInitResidual);
        if (shortcut != null) {
            o = o.withShortcut(Shortcut.parse(shortcut));
        }
        if (init != null) {
            o = o.withInit(InitScheme.parse(init));
        }
        return o;
    }

    /** The data this config trains on; folders and synthetic images take the model's input channels and size. */
    public DataConfig dataConfig() {
        DatasetKind kind = DatasetKind.parse(dataset);
        Shape input = ModelOptions.of(model).architecture().defaultInput();
        int size = imageSize != null ? imageSize : (int) input.height();
        DataConfig dc = DataConfig.of(kind, DataLocation.resolve(dataDir == null ? null : Path.of(dataDir)));
        if (kind.shape() == null) {
            dc = dc.withImageShape(imageChannels != null ? imageChannels : (int) input.channels(), size, size);
        }
        return dc.withValSplit(valSplit, stratify, valSeed)
                .withFit(ImageDecoder.Fit.valueOf(fit.toUpperCase(Locale.ROOT)))
                .withDownload(download, allowChecksumMismatch, null)
                .withCoarseLabels(coarseLabels).withSynthetic(syntheticSize, syntheticClasses);
    }

    /**
     * Whether to use the channels-last memory format for batches and weights: as asked, else where it is the faster
     * layout for the model and precision ({@link Architecture#prefersChannelsLast}); results are the same.
     */
    public boolean useChannelsLast(Architecture arch) {
        return channelsLast != null ? channelsLast && arch.supportsChannelsLast()
                : arch.prefersChannelsLast(precision.equals("bf16"));
    }

    /** A one-line description of the optimisation recipe, for logs. */
    public String recipe() {
        String opt = optimizer.equals("sgd")
                ? String.format(Locale.ROOT, "SGD lr %s momentum %s%s weight decay %s", lr, momentum,
                        nesterov ? " (Nesterov)" : "", weightDecay)
                : String.format(Locale.ROOT, "AdamW lr %s betas (%s, %s) weight decay %s", lr, beta1, beta2,
                        weightDecay);
        String sched = switch (schedule) {
            case "multistep" -> "multistep x" + gamma + " at " + (milestones.isEmpty() ? "steps " + milestoneSteps
                    : "epochs " + milestones);
            case "cosine" -> "cosine to " + minLr;
            case "onecycle" -> "one-cycle (pct-start " + pctStart + ")";
            default -> "constant";
        };
        return String.format(Locale.ROOT, "%s, %s schedule%s%s%s, batch %d, %d epochs, %s%s", opt, sched,
                warmupEpochs > 0 ? ", warm-up " + warmupEpochs + " epochs" : "",
                labelSmoothing > 0 ? ", label smoothing " + labelSmoothing : "",
                gradClip > 0 ? ", gradient clipping " + gradClip : "", batchSize, epochs, precision
                        + (Boolean.TRUE.equals(channelsLast) ? " channels-last" : ""),
                evalTta ? ", flip-TTA evaluation" : "");
    }

    // Fluent access; the CLI and tests set what they need.
    public String model() { return model; }
    public TrainConfig model(String v) { model = v; return this; }
    public String shortcut() { return shortcut; }
    public TrainConfig shortcut(String v) { shortcut = v; return this; }
    public boolean zeroInitResidual() { return zeroInitResidual; }
    public TrainConfig zeroInitResidual(boolean v) { zeroInitResidual = v; return this; }
    public String init() { return init; }
    public TrainConfig init(String v) { init = v; return this; }
    public String weights() { return weights; }
    public TrainConfig weights(String v) { weights = v; return this; }
    public String dataset() { return dataset; }
    public TrainConfig dataset(String v) { dataset = v; return this; }
    public String dataDir() { return dataDir; }
    public TrainConfig dataDir(String v) { dataDir = v; return this; }
    public int valSplit() { return valSplit; }
    public TrainConfig valSplit(int v) { valSplit = v; return this; }
    public long valSeed() { return valSeed; }
    public TrainConfig valSeed(long v) { valSeed = v; return this; }
    public boolean stratify() { return stratify; }
    public TrainConfig stratify(boolean v) { stratify = v; return this; }
    public Integer imageSize() { return imageSize; }
    public TrainConfig imageSize(Integer v) { imageSize = v; return this; }
    public Integer imageChannels() { return imageChannels; }
    public TrainConfig imageChannels(Integer v) { imageChannels = v; return this; }
    public String fit() { return fit; }
    public TrainConfig fit(String v) { fit = v; return this; }
    public boolean augment() { return augment; }
    public TrainConfig augment(boolean v) { augment = v; return this; }
    public int cutout() { return cutout; }
    public TrainConfig cutout(int v) { cutout = v; return this; }
    public boolean coarseLabels() { return coarseLabels; }
    public TrainConfig coarseLabels(boolean v) { coarseLabels = v; return this; }
    public int syntheticSize() { return syntheticSize; }
    public TrainConfig syntheticSize(int v) { syntheticSize = v; return this; }
    public int syntheticClasses() { return syntheticClasses; }
    public TrainConfig syntheticClasses(int v) { syntheticClasses = v; return this; }
    public int dataWorkers() { return dataWorkers; }
    public TrainConfig dataWorkers(int v) { dataWorkers = v; return this; }
    public boolean download() { return download; }
    public TrainConfig download(boolean v) { download = v; return this; }
    public boolean allowChecksumMismatch() { return allowChecksumMismatch; }
    public TrainConfig allowChecksumMismatch(boolean v) { allowChecksumMismatch = v; return this; }
    public String optimizer() { return optimizer; }
    public TrainConfig optimizer(String v) { optimizer = v; return this; }
    public double lr() { return lr; }
    public TrainConfig lr(double v) { lr = v; return this; }
    public double momentum() { return momentum; }
    public TrainConfig momentum(double v) { momentum = v; return this; }
    public boolean nesterov() { return nesterov; }
    public TrainConfig nesterov(boolean v) { nesterov = v; return this; }
    public double weightDecay() { return weightDecay; }
    public TrainConfig weightDecay(double v) { weightDecay = v; return this; }
    public boolean noDecayBnBias() { return noDecayBnBias; }
    public TrainConfig noDecayBnBias(boolean v) { noDecayBnBias = v; return this; }
    public double beta1() { return beta1; }
    public TrainConfig beta1(double v) { beta1 = v; return this; }
    public double beta2() { return beta2; }
    public TrainConfig beta2(double v) { beta2 = v; return this; }
    public double eps() { return eps; }
    public TrainConfig eps(double v) { eps = v; return this; }
    public double labelSmoothing() { return labelSmoothing; }
    public TrainConfig labelSmoothing(double v) { labelSmoothing = v; return this; }
    public double gradClip() { return gradClip; }
    public TrainConfig gradClip(double v) { gradClip = v; return this; }
    public String schedule() { return schedule; }
    public TrainConfig schedule(String v) { schedule = v; return this; }
    public List<Double> milestones() { return milestones; }
    public TrainConfig milestones(List<Double> v) { milestones = new ArrayList<>(v); return this; }
    public List<Long> milestoneSteps() { return milestoneSteps; }
    public TrainConfig milestoneSteps(List<Long> v) { milestoneSteps = new ArrayList<>(v); return this; }
    public double gamma() { return gamma; }
    public TrainConfig gamma(double v) { gamma = v; return this; }
    public double warmupEpochs() { return warmupEpochs; }
    public TrainConfig warmupEpochs(double v) { warmupEpochs = v; return this; }
    public double minLr() { return minLr; }
    public TrainConfig minLr(double v) { minLr = v; return this; }
    public double pctStart() { return pctStart; }
    public TrainConfig pctStart(double v) { pctStart = v; return this; }
    public int epochs() { return epochs; }
    public TrainConfig epochs(int v) { epochs = v; return this; }
    public int batchSize() { return batchSize; }
    public TrainConfig batchSize(int v) { batchSize = v; return this; }
    public int evalBatchSize() { return evalBatchSize; }
    public TrainConfig evalBatchSize(int v) { evalBatchSize = v; return this; }
    public boolean evalTta() { return evalTta; }
    public TrainConfig evalTta(boolean v) { evalTta = v; return this; }
    public String precision() { return precision; }
    public TrainConfig precision(String v) { precision = v; return this; }
    public Boolean channelsLast() { return channelsLast; }
    public TrainConfig channelsLast(Boolean v) { channelsLast = v; return this; }
    public Long seed() { return seed; }
    public TrainConfig seed(Long v) { seed = v; return this; }
    public boolean deterministic() { return deterministic; }
    public TrainConfig deterministic(boolean v) { deterministic = v; return this; }
    public long maxSteps() { return maxSteps; }
    public TrainConfig maxSteps(long v) { maxSteps = v; return this; }
    public int limitTrainBatches() { return limitTrainBatches; }
    public TrainConfig limitTrainBatches(int v) { limitTrainBatches = v; return this; }
    public int limitEvalBatches() { return limitEvalBatches; }
    public TrainConfig limitEvalBatches(int v) { limitEvalBatches = v; return this; }
    public int threads() { return threads; }
    public TrainConfig threads(int v) { threads = v; return this; }
}
