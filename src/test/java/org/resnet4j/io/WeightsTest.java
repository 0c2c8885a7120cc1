package org.resnet4j.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnet4j.data.DatasetKind;
import org.resnet4j.data.Preprocessing;
import org.resnet4j.data.image.Resample;
import org.resnet4j.data.transform.EvalTransform;
import org.resnet4j.engine.Tensors;
import org.resnet4j.model.ModelOptions;
import org.resnet4j.model.ResNet;
import org.resnet4j.model.ResNets;
import org.resnet4j.model.Shortcut;
import org.resnet4j.testing.Fixtures;

class WeightsTest {
    @TempDir
    Path dir;

    @Test
    void savedModelLoadsBackIdenticallyAndDescribesItself() throws IOException {
        ResNet a = ResNets.create(ModelOptions.of("resnet20").withShortcut(Shortcut.B).withClasses(4));
        Path f = dir.resolve("w.safetensors");
        Weights.save(a, List.of("cat", "dog", "eel", "fox"), Preprocessing.defaults(DatasetKind.FOLDER, 3, 24), f);

        TensorFile file = Weights.read(f);
        ModelInfo info = Weights.modelInfo(f, file).orElseThrow();
        assertThat(info.options()).isEqualTo(a.options());
        assertThat(info.classNames()).containsExactly("cat", "dog", "eel", "fox");
        assertThat(info.preprocessing().height()).isEqualTo(24);
        assertThat(info.preprocessing().normalization().std()[2]).isEqualTo(0.225f);

        ResNet b = ResNets.create(info.options());
        LoadReport r = StateDict.load(b, file.tensors(), true);
        assertThat(r.isClean()).isTrue();
        assertThat(r.loaded()).hasSize(StateDict.of(a).size());
        Map<String, Tensor> sa = StateDict.of(a);
        Map<String, Tensor> sb = StateDict.of(b);
        sa.forEach((k, v) -> assertThat(Tensors.toBytes(sb.get(k))).as(k).isEqualTo(Tensors.toBytes(v)));
    }

    @Test
    void aTorchSaveExportReadsBackAsTheSameStateDictAndPyTorchsOwnFileSurvivesARewrite() throws IOException {
        ResNet a = ResNets.create(ModelOptions.of("resnet20").withShortcut(Shortcut.B).withClasses(4));
        org.resnet4j.testing.DeterministicWeights.fill(a);
        Path f = dir.resolve("w.pt");
        Weights.save(a, List.of(), null, f);
        TensorFile file = Weights.read(f);
        assertThat(Weights.modelInfo(f, file)).isEmpty();
        Map<String, Tensor> sa = StateDict.of(a);
        assertThat(file.tensors().keySet()).containsExactlyElementsOf(sa.keySet());
        sa.forEach((k, v) -> {
            Tensor t = file.tensors().get(k);
            assertThat(t.scalar_type().value).as(k).isEqualTo(v.scalar_type().value);
            assertThat(Tensors.shape(t)).as(k).isEqualTo(Tensors.shape(v));
            assertThat(Tensors.toBytes(t)).as(k).isEqualTo(Tensors.toBytes(v));
        });
        assertThat(Tensors.shape(file.tensors().get("bn1.num_batches_tracked"))).isEmpty();

        // PyTorch's own file, read and written again, holds the same tensors
        Path again = dir.resolve("again.pt");
        TorchSaveWriter.write(again, Weights.read(Fixtures.path("resnet20_trained.pt")).tensors());
        Map<String, Tensor> original = Weights.read(Fixtures.path("resnet20_trained.pt")).tensors();
        Map<String, Tensor> copy = Weights.read(again).tensors();
        assertThat(copy.keySet()).containsExactlyElementsOf(original.keySet());
        original.forEach((k, v) -> assertThat(Tensors.toBytes(copy.get(k))).as(k).isEqualTo(Tensors.toBytes(v)));
    }

    @Test
    void strictLoadingNamesEveryMissingUnexpectedAndMisshapenKeyAndChangesNothing() throws IOException {
        ResNet net = ResNets.create("resnet20");
        Map<String, Tensor> weights = new LinkedHashMap<>(Weights.read(Fixtures.path("resnet20_trained.pt")).tensors());
        weights.remove("layer3.2.bn2.running_var");
        weights.remove("fc.bias");
        weights.put("head.weight", weights.get("fc.weight"));
        weights.put("conv1.weight", Tensors.empty(org.bytedeco.pytorch.global.torch.ScalarType.Float, 16, 1, 3, 3));
        byte[] before = Tensors.toBytes(StateDict.of(net).get("layer1.0.conv1.weight")).array();

        assertThatThrownBy(() -> StateDict.load(net, weights, true))
                .isInstanceOf(WeightsMismatchException.class)
                .hasMessageContaining("2 missing key(s): layer3.2.bn2.running_var, fc.bias")
                .hasMessageContaining("1 unexpected key(s): head.weight")
                .hasMessageContaining("conv1.weight (model [16, 3, 3, 3], weights [16, 1, 3, 3])");
        assertThat(Tensors.toBytes(StateDict.of(net).get("layer1.0.conv1.weight")).array()).isEqualTo(before);
    }

    @Test
    void nonStrictLoadingSkipsMissingAndUnexpectedKeysButNeverAShapeMismatch() throws IOException {
        ResNet net = ResNets.create(ModelOptions.of("resnet20").withClasses(3));
        Map<String, Tensor> weights = new LinkedHashMap<>(Weights.read(Fixtures.path("resnet20_trained.pt")).tensors());
        assertThatThrownBy(() -> StateDict.load(net, weights, false)).hasMessageContaining("fc.weight (model [3, 64]");
        weights.remove("fc.weight");
        weights.remove("fc.bias");
        LoadReport r = StateDict.load(net, weights, false);
        assertThat(r.missing()).containsExactly("fc.weight", "fc.bias");
        assertThat(r.loaded()).hasSize(weights.size());
    }

    @Test
    void aTruncatedStorageInATorchSaveArchiveIsNamed() throws IOException {
        Path broken = dir.resolve("broken.pt");
        try (var in = new java.util.zip.ZipFile(Fixtures.path("resnet20_trained.pt").toFile());
             var out = new java.util.zip.ZipOutputStream(Files.newOutputStream(broken))) {
            for (var en = in.entries(); en.hasMoreElements();) {
                var e = en.nextElement();
                byte[] b = in.getInputStream(e).readAllBytes();
                out.putNextEntry(new java.util.zip.ZipEntry(e.getName()));
                out.write(e.getName().endsWith("/data/0") ? java.util.Arrays.copyOf(b, b.length / 2) : b);
            }
        }
        assertThatThrownBy(() -> Weights.read(broken)).isInstanceOf(WeightsFormatException.class)
                .hasMessageContaining("storage record data/0 is truncated");
    }

    @Test
    void aModelWithFoldedBatchNormIsNotSaved() {
        ResNet net = ResNets.create("resnet20");
        net.eval();
        net.foldBatchNorm();
        assertThatThrownBy(() -> Weights.save(net, List.of(), null, dir.resolve("f.safetensors")))
                .hasMessageContaining("folded");
    }

    @Test
    void torchSaveArchivesFromPyTorchLoadAndOtherFilesAreRefused() throws IOException {
        assertThat(Weights.read(Fixtures.path("resnet20_trained.pt")).tensors()).containsKey("layer1.0.conv1.weight");
        Path text = Files.writeString(dir.resolve("notes.pt"), "hello, not weights");
        assertThatThrownBy(() -> Weights.read(text)).isInstanceOf(WeightsFormatException.class)
                .hasMessageContaining("neither a safetensors file nor a torch.save archive");
        assertThatThrownBy(() -> Weights.read(dir.resolve("absent.safetensors")))
                .hasMessageContaining("absent.safetensors");
        assertThatThrownBy(() -> Weights.read(dir)).hasMessageContaining("is a directory");
        Path zip = dir.resolve("other.zip");
        try (var out = new java.util.zip.ZipOutputStream(Files.newOutputStream(zip))) {
            out.putNextEntry(new java.util.zip.ZipEntry("readme.txt"));
            out.write(1);
        }
        assertThatThrownBy(() -> Weights.read(zip)).hasMessageContaining("a zip file without data.pkl is not a torch.save file");
    }

    /**
     * The evaluation transform is written only where there is one, so that a description without it is the JSON
     * resnet4j wrote before it (and older versions read it); one with it reads back.
     */
    @Test
    void theEvaluationTransformIsDescribedOnlyWhereThereIsOne() throws WeightsFormatException {
        String before = "{\"name\":\"resnet20\",\"in_channels\":3,\"classes\":2,\"shortcut\":\"A\","
                + "\"zero_init_residual\":false,\"init\":\"he\",\"class_names\":[\"x\",\"y\"],\"input\":{"
                + "\"dataset\":\"folder\",\"shape\":[3,24,24],\"fit\":\"crop\",\"mean\":[0.485,0.456,0.406],"
                + "\"std\":[0.229,0.224,0.225]}}";
        Preprocessing fitted = Preprocessing.defaults(DatasetKind.FOLDER, 3, 24);
        ModelInfo info = new ModelInfo(ModelOptions.of("resnet20").withClasses(2), List.of("x", "y"), fitted);
        assertThat(info.toJson()).isEqualTo(before);
        assertThat(ModelInfo.fromJson(before, "old").preprocessing().evalTransform()).isNull();

        EvalTransform t = new EvalTransform(28, 24, Resample.Filter.BICUBIC, false);
        String json = new ModelInfo(info.options(), info.classNames(), fitted.withEvalTransform(t)).toJson();
        assertThat(json).endsWith("\"std\":[0.229,0.224,0.225],\"eval_resize\":28,\"interpolation\":\"bicubic\"}}");
        Preprocessing back = ModelInfo.fromJson(json, "new").preprocessing();
        assertThat(back.evalTransform()).isEqualTo(t);
        assertThat(back.height()).isEqualTo(24);
    }
}
