package org.resnet4j.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFileTest {
    @TempDir
    Path dir;

    @Test
    void replacesTheTargetWholeWithTheUsualPermissionsAndLeavesNoTemporaryFile() throws IOException {
        Path target = dir.resolve("w.safetensors");
        Files.writeString(target, "old");
        AtomicFile.write(target, ch -> ch.write(ByteBuffer.wrap("new".getBytes(StandardCharsets.UTF_8))));
        assertThat(Files.readString(target)).isEqualTo("new");
        Path plain = Files.createFile(dir.resolve("plain"));
        assertThat(Files.getPosixFilePermissions(target)).isEqualTo(Files.getPosixFilePermissions(plain));
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("w.safetensors", "plain");
        }
    }

    @Test
    void aFailedWriteLeavesTheOldFileAndNoTemporaryFile() throws IOException {
        Path target = dir.resolve("last.ckpt");
        Files.writeString(target, "intact");
        assertThatThrownBy(() -> AtomicFile.write(target, ch -> {
            ch.write(ByteBuffer.wrap("half".getBytes(StandardCharsets.UTF_8)));
            throw new IOException("disk full");
        })).hasMessageContaining("disk full");
        assertThat(Files.readString(target)).isEqualTo("intact");
        try (var files = Files.list(dir)) {
            assertThat(files).hasSize(1);
        }
    }

    @Test
    void thePreviousContentIsKeptUnderItsOwnNameAndAFailedWriteChangesNeither() throws IOException {
        Path target = dir.resolve("last.ckpt");
        Path previous = dir.resolve("last.prev.ckpt");
        AtomicFile.write(target, previous, ch -> ch.write(ByteBuffer.wrap("epoch 1".getBytes(StandardCharsets.UTF_8))));
        assertThat(previous).doesNotExist();
        AtomicFile.write(target, previous, ch -> ch.write(ByteBuffer.wrap("epoch 2".getBytes(StandardCharsets.UTF_8))));
        assertThat(Files.readString(target)).isEqualTo("epoch 2");
        assertThat(Files.readString(previous)).isEqualTo("epoch 1");
        assertThatThrownBy(() -> AtomicFile.write(target, previous, ch -> {
            ch.write(ByteBuffer.wrap("half".getBytes(StandardCharsets.UTF_8)));
            throw new IOException("No space left on device");
        })).hasMessageContaining("No space left");
        assertThat(Files.readString(target)).isEqualTo("epoch 2");
        assertThat(Files.readString(previous)).isEqualTo("epoch 1");
        try (var files = Files.list(dir)) {
            assertThat(files).hasSize(2);
        }
        Path folder = Files.createDirectories(dir.resolve("folder.ckpt"));
        assertThatThrownBy(() -> AtomicFile.write(folder, ch -> { })).hasMessageContaining(folder.toString())
                .hasMessageContaining("a directory where a file was expected");
    }
}
