package org.resnet4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import javax.imageio.ImageIO;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnet4j.data.DataConfig;
import org.resnet4j.data.Dataset;
import org.resnet4j.data.DatasetKind;
import org.resnet4j.data.Datasets;
import org.resnet4j.data.ImageDecoder;
import org.resnet4j.data.Split;
import org.resnet4j.data.transform.EvalTransform;
import org.resnet4j.engine.Engine;
import org.resnet4j.eval.Predictor;
import org.resnet4j.io.ModelLoader;
import org.resnet4j.io.PretrainedWeights;
import org.resnet4j.io.SafeTensors;
import org.resnet4j.io.Weights;
import org.resnet4j.io.WeightsCache;
import org.resnet4j.model.ModelOptions;
import org.resnet4j.model.ResNet;
import org.resnet4j.model.ResNets;
import org.resnet4j.testing.Cli;

/**
 * Registry weights on an image folder: eval and features prepare the folder's images with the weights' own
 * resize-and-crop, exactly as predict prepares files, and train fine-tunes from them. The cache holds generated
 * imagenet_resnet18 weights (the download itself is tested against a loopback server in PretrainedWeightsTest).
 */
class PretrainedFolderCliTest {
    private static final String NAME = "imagenet_resnet18.DEFAULT";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    private static Path cached;
    private static Path pets;

    @BeforeAll
    static void cacheAndFolder() throws IOException {
        Engine.start();
        Path cache = dir.resolve("cache");
        cached = new WeightsCache(cache, "unused").path(PretrainedWeights.RESNET18_V1);
        Files.createDirectories(cached.getParent());
        Engine.seed(3);
        Weights.save(ResNets.create(ModelOptions.of("imagenet_resnet18")), List.of(), null, cached);
        System.setProperty("resnet4j.cache", cache.toString());
        System.setProperty("resnet4j.weights.url", "http://127.0.0.1:9/"); // nothing listens: no network needed
        pets = dir.resolve("pets");
        SplittableRandom rng = new SplittableRandom(5);
        int[][] sizes = {{300, 200}, {181, 263}, {250, 250}};
        for (String split : List.of("train", "test")) {
            for (String cls : List.of("cat", "dog")) {
                for (int i = 0; i < sizes.length; i++) {
                    image(pets.resolve(split).resolve(cls).resolve(i + ".png"), sizes[i][0], sizes[i][1], rng);
                }
            }
        }
    }

    @AfterAll
    static void clear() {
        System.clearProperty("resnet4j.cache");
        System.clearProperty("resnet4j.weights.url");
    }

    /** Blocks of random colour, so that the scale an image is resized to changes what the model sees. */
    private static void image(Path file, int w, int h, SplittableRandom rng) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int by = 0; by < h; by += 7) {
            for (int bx = 0; bx < w; bx += 7) {
                int rgb = rng.nextInt(1 << 24);
                for (int y = by; y < Math.min(h, by + 7); y++) {
                    for (int x = bx; x < Math.min(w, bx + 7); x++) {
                        img.setRGB(x, y, rgb);
                    }
                }
            }
        }
        Files.createDirectories(file.getParent());
        ImageIO.write(img, "png", file.toFile());
    }

    /** The test split's files in the order a folder dataset holds them, and their labels. */
    private static List<Path> testFiles() {
        List<Path> files = new ArrayList<>();
        for (String cls : List.of("cat", "dog")) {
            for (int i = 0; i < 3; i++) {
                files.add(pets.resolve("test").resolve(cls).resolve(i + ".png"));
            }
        }
        return files;
    }

    @Test
    void folderImagesArePreparedAsThePredictorPreparesFiles() throws IOException {
        DataConfig c = DataConfig.of(DatasetKind.FOLDER, pets).withImageShape(3, 224, 224);
        Dataset fitted = Datasets.load(c, Split.TEST, Datasets.Listener.SILENT);
        for (PretrainedWeights w : List.of(PretrainedWeights.RESNET18_V1, PretrainedWeights.RESNET50_V2)) {
            Dataset d = Datasets.load(c, Split.TEST, w.evalTransform(), Datasets.Listener.SILENT);
            Predictor p = new Predictor(ResNets.create(ModelOptions.of("resnet20")), List.of(), w.preprocessing(),
                    false, w.evalTransform());
            List<Path> files = testFiles();
            assertThat(d.size()).isEqualTo(files.size());
            for (int i = 0; i < files.size(); i++) {
                byte[] record = new byte[d.imageBytes()];
                d.copyImage(i, record, 0);
                assertThat(record).as(w + ", " + files.get(i)).isEqualTo(p.prepare(ImageDecoder.read(files.get(i))));
                assertThat(d.label(i)).isEqualTo(i / 3);
                byte[] direct = new byte[fitted.imageBytes()];
                fitted.copyImage(i, direct, 0);
                assertThat(record).as("differs from the direct fit").isNotEqualTo(direct);
            }
        }
        // another input size scales the resize with the crop, as torchvision's presets do (256/224)
        assertThat(PretrainedWeights.RESNET50_V2.evalTransform().atCrop(112))
                .isEqualTo(new EvalTransform(116, 112, PretrainedWeights.RESNET50_V2.evalTransform().interpolation(),
                        false));
        Dataset small = Datasets.load(c.withImageShape(3, 112, 112), Split.TEST,
                PretrainedWeights.RESNET50_V2.evalTransform(), Datasets.Listener.SILENT);
        assertThat(small.height()).isEqualTo(112);
    }

    @Test
    void evalOfAFolderUsesTheWeightsTransformAsPredictDoes() throws IOException {
        Cli.Result r = Cli.run("eval", "--weights", NAME, "--dataset", "folder", "--data-dir", pets.toString(),
                "--json");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.err()).contains("Resize(256, bilinear) + CenterCrop(224)");
        double evalLoss = JSON.readTree(r.out()).get("loss").asDouble();

        ModelLoader.LoadedModel m = ModelLoader.load(Path.of(NAME), null);
        Predictor viaFiles = Predictor.of(m, DatasetKind.FOLDER);
        ResNet again = ModelLoader.load(Path.of(NAME), null).net();
        Predictor fitted = new Predictor(again, m.classNames(), m.preprocessing(), true, null);
        double predictLoss = 0;
        double fittedLoss = 0;
        List<Path> files = testFiles();
        for (int i = 0; i < files.size(); i++) {
            BufferedImage img = ImageDecoder.read(files.get(i));
            predictLoss -= Math.log(probabilityOf(viaFiles.predict(img, 1000), i / 3)) / files.size();
            fittedLoss -= Math.log(probabilityOf(fitted.predict(img, 1000), i / 3)) / files.size();
        }
        assertThat(evalLoss).isCloseTo(predictLoss, within(1e-3 * Math.max(1, Math.abs(predictLoss))));
        assertThat(Math.abs(fittedLoss - predictLoss)).as("the direct fit gives another loss")
                .isGreaterThan(1e-2 * Math.max(1, Math.abs(predictLoss)));
    }

    @Test
    void streamedEvalAndFeaturesResizeAndCropAsInMemory() throws IOException {
        List<JsonNode> figures = new ArrayList<>();
        List<float[]> features = new ArrayList<>();
        for (String storage : List.of("memory", "stream")) {
            Cli.Result r = Cli.run("eval", "--weights", NAME, "--dataset", "folder", "--data-dir", pets.toString(),
                    "--storage", storage, "--batch-size", "4", "--json");
            assertThat(r.exit()).as(r.err()).isZero();
            assertThat(r.err()).contains("Resize(256, bilinear) + CenterCrop(224)");
            figures.add(JSON.readTree(r.out()));
            Path out = dir.resolve("features-" + storage + ".safetensors");
            Cli.Result f = Cli.run("features", "--weights", NAME, "--dataset", "folder", "--data-dir",
                    pets.toString(), "--split", "test", "--storage", storage, "--out", out.toString());
            assertThat(f.exit()).as(f.err()).isZero();
            features.add(org.resnet4j.engine.Tensors.toFloats(SafeTensors.read(out).tensors().get("features")));
        }
        assertThat(figures.get(1).get("n").asInt()).isEqualTo(6);
        EvalStorageCliTest.assertSameFigures(figures.get(1), figures.get(0));
        assertThat(features.get(1)).hasSize(6 * 512).containsExactly(features.get(0));
    }

    private static double probabilityOf(Predictor.Prediction p, int label) {
        return p.top().stream().filter(s -> s.index() == label).findFirst().orElseThrow().probability();
    }

    @Test
    void featuresOfASplitUseTheWeightsTransformAsFilesDo() throws IOException {
        Path split = dir.resolve("split.safetensors");
        Cli.Result r = Cli.run("features", "--weights", NAME, "--dataset", "folder", "--data-dir", pets.toString(),
                "--split", "test", "--out", split.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        Path files = dir.resolve("files.safetensors");
        List<String> args = new ArrayList<>(List.of("features", "--weights", NAME, "--out", files.toString()));
        testFiles().forEach(f -> args.add(f.toString()));
        Cli.Result f = Cli.run(args.toArray(String[]::new));
        assertThat(f.exit()).as(f.err()).isZero();
        float[] a = org.resnet4j.engine.Tensors.toFloats(SafeTensors.read(split).tensors().get("features"));
        float[] b = org.resnet4j.engine.Tensors.toFloats(SafeTensors.read(files).tensors().get("features"));
        assertThat(a).hasSize(6 * 512).containsExactly(b, within(1e-4f));
    }

    @Test
    void fineTuningStartsFromTheRegistryWeightsAndKeepsTheFrozenOnes() throws IOException {
        Path run = dir.resolve("run");
        Cli.Result r = Cli.run("train", "--weights", NAME, "--dataset", "folder", "--data-dir", pets.toString(),
                "--freeze", "backbone", "--image-size", "64", "--batch-size", "3", "--epochs", "1", "--lr", "0.5",
                "--out", run.toString(), "--json");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.err()).contains("fine-tuning from " + NAME, "new classifier head for 2 classes");
        Map<String, Tensor> pretrained = Weights.read(cached).tensors();
        Map<String, Tensor> trained = Weights.read(run.resolve("last.ckpt")).tensors();
        assertThat(trained.keySet()).containsExactlyInAnyOrderElementsOf(pretrained.keySet());
        for (Map.Entry<String, Tensor> e : pretrained.entrySet()) {
            Tensor t = trained.get(e.getKey());
            if (e.getKey().startsWith("fc.")) {
                assertThat(t.size(0)).isEqualTo(2);
            } else {
                assertThat(t.equal(e.getValue())).as(e.getKey() + " is the file's, bit for bit").isTrue();
            }
        }
        JsonNode o = JSON.readTree(r.out());
        assertThat(o.get("history")).hasSize(1);
    }

    @Test
    void anUnknownRegistryNameIsOneLineAndNoRun() {
        Path run = dir.resolve("bad-run");
        Cli.Result r = Cli.run("train", "--weights", "imagenet_resnet18.IMAGENET1K_V9", "--dataset", "folder",
                "--data-dir", pets.toString(), "--image-size", "32", "--epochs", "1", "--out", run.toString());
        assertThat(r.exit()).isNotZero();
        assertThat(r.err()).contains("imagenet_resnet18.IMAGENET1K_V1").hasLineCount(1);
        assertThat(run).doesNotExist();

        Cli.Result other = Cli.run("train", "--weights", NAME, "--model", "resnet20", "--dataset", "folder",
                "--data-dir", pets.toString(), "--image-size", "32", "--epochs", "1", "--out", run.toString());
        assertThat(other.exit()).isNotZero();
        assertThat(other.err()).contains("weights for imagenet_resnet18, not resnet20").hasLineCount(1);
        assertThat(run).doesNotExist();
    }
}
