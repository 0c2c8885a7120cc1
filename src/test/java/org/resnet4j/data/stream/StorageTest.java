package org.resnet4j.data.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class StorageTest {
    @Test
    void autoKeepsWhatFitsInMemoryAndStreamsTheRest() {
        long budget = 1L << 30;
        assertThat(Storage.choose(Storage.AUTO, 50_000, 3, 32, 32, budget).storage()).isEqualTo(Storage.MEMORY);
        Storage.Choice imagenet = Storage.choose(Storage.AUTO, 1_281_167, 3, 224, 224, budget);
        assertThat(imagenet.storage()).isEqualTo(Storage.STREAM);
        assertThat(imagenet.reason()).contains("one Java array");
        assertThat(Storage.choose(Storage.AUTO, 10_000, 3, 224, 224, 100L << 20).reason())
                .contains("more than the budget of 100 MB");
        assertThat(Storage.choose(Storage.STREAM, 10, 3, 32, 32, budget).storage()).isEqualTo(Storage.STREAM);
        assertThatThrownBy(() -> Storage.choose(Storage.MEMORY, 15_000, 3, 224, 224, budget))
                .hasMessageContaining("--storage stream");
        assertThat(Storage.parse("Auto")).isEqualTo(Storage.AUTO);
        assertThatThrownBy(() -> Storage.parse("disk")).hasMessageContaining("memory, stream or auto");
    }
}
