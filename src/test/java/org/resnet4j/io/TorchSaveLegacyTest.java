package org.resnet4j.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnet4j.engine.Engine;
import org.resnet4j.testing.Fixtures;

/**
 * torch.save's legacy (pre-1.6, non-zip) format, from a fixture PyTorch wrote (tools/make_legacy_torch_save.py),
 * reads back as the same tensors as the zip-format file PyTorch wrote of the same state dict.
 */
class TorchSaveLegacyTest {
    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        Engine.start();
    }

    @Test
    void theLegacyFormatReadsAsTheZipFormatDoes() throws IOException {
        Path legacy = Fixtures.path("legacy-state-dict.pt");
        assertThat(TorchSaveReader.looksLike(legacy)).isFalse();
        Map<String, Tensor> a = Weights.read(legacy).tensors();
        Map<String, Tensor> b = Weights.read(Fixtures.path("legacy-state-dict-zip.pt")).tensors();
        assertThat(a.keySet()).containsExactlyInAnyOrderElementsOf(b.keySet()).hasSize(7);
        for (String k : b.keySet()) {
            assertThat(a.get(k).sizes().vec().get()).as(k).isEqualTo(b.get(k).sizes().vec().get());
            assertThat(a.get(k).scalar_type().value).as(k).isEqualTo(b.get(k).scalar_type().value);
            assertThat(torch.equal(a.get(k), b.get(k))).as(k).isTrue();
        }
        assertThat(a.get("bn1.num_batches_tracked").item_long()).isEqualTo(7);
        assertThat(torch.equal(a.get("fc.bias"), a.get("conv1.weight").reshape(-1).slice(0,
                new org.bytedeco.pytorch.LongOptional(10), new org.bytedeco.pytorch.LongOptional(15), 1))).isTrue();
    }

    @Test
    void aTruncatedFileIsOneClearLine() throws IOException {
        byte[] whole = Files.readAllBytes(Fixtures.path("legacy-state-dict.pt"));
        for (int cut : new int[] {whole.length - 5, whole.length / 2, 40}) {
            Path f = dir.resolve("cut" + cut + ".pt");
            Files.write(f, Arrays.copyOf(whole, cut));
            assertThatThrownBy(() -> Weights.read(f)).as("cut at " + cut).isInstanceOf(WeightsFormatException.class)
                    .hasMessageStartingWith(f + ": ").hasMessageContaining("truncated")
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
        }
    }

    @Test
    void aPickleWithoutTorchSavesMagicIsRefused() throws IOException {
        byte[] whole = Files.readAllBytes(Fixtures.path("legacy-state-dict.pt"));
        byte[] wrong = whole.clone();
        wrong[5] ^= 0x01; // inside the magic number's bytes
        Path f = dir.resolve("wrong-magic.pt");
        Files.write(f, wrong);
        assertThatThrownBy(() -> Weights.read(f)).isInstanceOf(WeightsFormatException.class)
                .hasMessageContaining("not a torch.save file")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }
}
