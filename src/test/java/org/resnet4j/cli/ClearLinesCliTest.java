package org.resnet4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipOutputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnet4j.testing.Cli;
import org.resnet4j.testing.Fixtures;
import org.resnet4j.testing.Zips;

/** Inputs that used to end in a misleading or developer's message: one clear line each, a non-zero exit. */
class ClearLinesCliTest {
    @TempDir
    Path dir;

    /** Exactly one error line, no stack trace, and the exit status. */
    private static String oneLine(Cli.Result r, int exit) {
        assertThat(r.exit()).as(r.err()).isEqualTo(exit);
        assertThat(r.err()).doesNotContain("\tat ", "Exception");
        assertThat(r.errorLines()).as(r.err()).hasSize(1);
        return r.errorLines().get(0);
    }

    @Test
    void anIntegerTooLargeForItsOptionNamesTheOption() {
        assertThat(oneLine(Cli.run("train", "--epochs", "99999999999"), 2)).isEqualTo("resnet4j train: error: Invalid"
                + " value for option '--epochs': '99999999999' is not an int (see 'resnet4j train --help')");
        assertThat(oneLine(Cli.run("train", "--max-steps", "99999999999999999999"), 2))
                .contains("option '--max-steps': '99999999999999999999' is not a long");
    }

    @Test
    void aDirectoryWhereAFileWasExpectedIsSaidSo() throws IOException {
        Path weights = Files.createDirectories(dir.resolve("weights.pt"));
        assertThat(oneLine(Cli.run("eval", "--weights", weights.toString()), 1))
                .isEqualTo("resnet4j eval: error: " + weights + ": is a directory, not a weights file");
        Path cifar = Files.createDirectories(dir.resolve("cifar/data_batch_1.bin"));
        assertThat(oneLine(Cli.run("train", "--data-dir", cifar.getParent().toString(), "--no-download", "--out",
                dir.resolve("r1").toString()), 1)).isEqualTo("resnet4j train: error: " + cifar + ": a directory where"
                        + " the CIFAR-10 train file was expected");
        Path file = Files.writeString(dir.resolve("data.txt"), "not a folder");
        assertThat(oneLine(Cli.run("train", "--data-dir", file.toString(), "--no-download", "--out",
                dir.resolve("r2").toString()), 1)).isEqualTo("resnet4j train: error: " + file + ": a file where the"
                        + " data folder was expected (--data-dir)");
        assertThat(oneLine(Cli.run("train", "--resume", file.toString()), 1))
                .isEqualTo("resnet4j train: error: not a run folder (a file): " + file);
        Path out = Files.createDirectories(dir.resolve("out.safetensors"));
        assertThat(oneLine(Cli.run("export", "--weights", Fixtures.path("resnet20_trained.safetensors").toString(),
                "--model", "resnet20", "--out", out.toString()), 1))
                .isEqualTo("resnet4j export: error: a directory where a file was expected: " + out);
    }

    @Test
    void aPickleThatCallsSomethingElseIsRefusedInPlainWords() throws IOException {
        // {"acc": numpy.core.multiarray.scalar("f8")}, as some training scripts save alongside the weights
        ByteArrayOutputStream pickle = new ByteArrayOutputStream();
        pickle.writeBytes(new byte[] {(byte) 0x80, 2, '}', 'X', 3, 0, 0, 0, 'a', 'c', 'c', 'c'});
        pickle.writeBytes("numpy.core.multiarray\nscalar\n(X\u0002\u0000\u0000\u0000f8tRs.".getBytes(
                StandardCharsets.ISO_8859_1));
        Path pt = dir.resolve("numpy.pt");
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(pt))) {
            Zips.stored(zip, "archive/data.pkl", pickle.toByteArray());
        }
        assertThat(oneLine(Cli.run("eval", "--weights", pt.toString(), "--model", "resnet20"), 1)).isEqualTo(
                "resnet4j eval: error: " + pt + ": refused: the pickle calls numpy.core.multiarray.scalar, which is"
                        + " not a tensor or a container (save model.state_dict() alone)");
    }
}
