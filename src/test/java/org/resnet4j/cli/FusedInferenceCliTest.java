package org.resnet4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnet4j.engine.Engine;
import org.resnet4j.io.SafeTensors;
import org.resnet4j.io.StateDict;
import org.resnet4j.model.ModelOptions;
import org.resnet4j.model.ResNet;
import org.resnet4j.model.ResNets;
import org.resnet4j.testing.Cli;
import org.resnet4j.testing.DataFiles;
import org.resnet4j.testing.DeterministicWeights;

/** --fuse is on by default for inference where a net can fuse, --no-fuse turns it off, and neither changes results. */
class FusedInferenceCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void benchReportsWhetherItFused() throws IOException {
        assumeTrue(ResNet.fusable(ModelOptions.of("resnet20").architecture()), "no fused oneDNN convolutions here");
        assertThat(benchFused("--model", "resnet20")).isTrue();
        assertThat(benchFused("--model", "resnet20", "--no-fuse")).isFalse();
        assertThat(benchFused("--model", "resnet20", "--no-fold-bn")).isFalse(); // fusing needs folded BatchNorm
        assertThat(benchFused("--model", "preact_resnet20")).isFalse(); // nothing to fold into
    }

    @Test
    void featuresAreTheSameFusedOrNot() throws IOException {
        assumeTrue(ResNet.fusable(ModelOptions.of("resnet20").architecture()), "no fused oneDNN convolutions here");
        Engine.seed(3);
        ResNet net = ResNets.create(ModelOptions.of("resnet20"));
        DeterministicWeights.fill(net);
        Path weights = dir.resolve("w.safetensors");
        SafeTensors.write(weights, StateDict.of(net), Map.of());
        Path a = DataFiles.image(dir.resolve("a.png"), "png", BufferedImage.TYPE_INT_RGB, 40, 30, 0xff2080c0);
        Path b = DataFiles.image(dir.resolve("b.png"), "png", BufferedImage.TYPE_INT_RGB, 32, 32, 0xffc08020);
        float[] fused = features(weights, dir.resolve("fused.npy"), a, b);
        float[] plain = features(weights, dir.resolve("plain.npy"), a, b, "--no-fuse");
        assertThat(fused).hasSize(2 * 64);
        double scale = 0;
        double worst = 0;
        for (int i = 0; i < plain.length; i++) {
            scale = Math.max(scale, Math.abs(plain[i]));
            worst = Math.max(worst, Math.abs(fused[i] - plain[i]));
        }
        assertThat(scale).isPositive();
        assertThat(worst).isLessThanOrEqualTo(1e-4 * scale);
    }

    private static boolean benchFused(String... model) throws IOException {
        List<String> args = new ArrayList<>(List.of("bench", "--mode", "eval",
                "--batch-size", "2", "--input", "3x16x16", "--warmup", "0", "--steps", "1", "--json"));
        args.addAll(List.of(model));
        Cli.Result r = Cli.run(args.toArray(String[]::new));
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode o = JSON.readTree(r.out());
        return o.get("fused").asBoolean();
    }

    private static float[] features(Path weights, Path out, Path a, Path b, String... extra) throws IOException {
        String[] base = {"features", "--weights", weights.toString(), "--model", "resnet20", "--out", out.toString(),
                a.toString(), b.toString()};
        String[] args = new String[base.length + extra.length];
        System.arraycopy(base, 0, args, 0, base.length);
        System.arraycopy(extra, 0, args, base.length, extra.length);
        Cli.Result r = Cli.run(args);
        assertThat(r.exit()).as(r.err()).isZero();
        byte[] bytes = Files.readAllBytes(out);
        int headerLength = ByteBuffer.wrap(bytes, 8, 2).order(ByteOrder.LITTLE_ENDIAN).getShort();
        ByteBuffer data = ByteBuffer.wrap(bytes, 10 + headerLength, bytes.length - 10 - headerLength)
                .order(ByteOrder.LITTLE_ENDIAN);
        float[] values = new float[data.remaining() / 4];
        data.asFloatBuffer().get(values);
        return values;
    }
}
