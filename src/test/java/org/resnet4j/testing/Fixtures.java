package org.resnet4j.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Map;

import org.bytedeco.pytorch.Tensor;
import org.resnet4j.engine.Tensors;
import org.resnet4j.io.SafeTensors;

/** The committed PyTorch fixtures (tools/make_fixtures.py) and the comparison the parity tests use. */
public final class Fixtures {
    private Fixtures() {
    }

    public static Path path(String name) {
        try {
            return Path.of(Fixtures.class.getResource("/fixtures/" + name).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("missing fixture " + name + "; run tools/make_fixtures.py", e);
        }
    }

    public static Map<String, Tensor> tensors(String name) throws IOException {
        return SafeTensors.read(path(name)).tensors();
    }

    /** Asserts max |actual - expected| <= rel × max |expected|: equal up to float rounding at the values' scale. */
    public static void assertClose(Tensor actual, Tensor expected, double rel) {
        assertThat(Tensors.shape(actual)).containsExactly(Tensors.shape(expected));
        float[] a = Tensors.toFloats(actual);
        float[] e = Tensors.toFloats(expected);
        double scale = 0;
        double worst = 0;
        for (int i = 0; i < e.length; i++) {
            scale = Math.max(scale, Math.abs(e[i]));
            worst = Math.max(worst, Math.abs(a[i] - e[i]));
        }
        assertThat(worst).as("max abs difference at scale %s", scale).isLessThanOrEqualTo(rel * scale);
    }
}
