package org.resnet4j.data.download;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import com.sun.net.httpserver.HttpServer;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnet4j.data.DataConfig;
import org.resnet4j.data.Dataset;
import org.resnet4j.data.DatasetKind;
import org.resnet4j.data.Datasets;
import org.resnet4j.data.Split;
import org.resnet4j.testing.Cli;
import org.resnet4j.testing.DataFiles;

/** Downloads against a local HTTP server: progress, resume, checksum, unpacking, and the offline error. */
class DownloadTest {
    @TempDir
    Path dir;

    private HttpServer server;
    private final List<String> ranges = new CopyOnWriteArrayList<>();
    private volatile byte[] served;
    private volatile boolean honourRanges = true;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", ex -> {
            String range = ex.getRequestHeaders().getFirst("Range");
            ranges.add(String.valueOf(range));
            byte[] body = served;
            int from = 0;
            if (range != null && honourRanges) {
                from = Integer.parseInt(range.replaceAll("[^0-9]", ""));
                if (from >= body.length) { // as HTTP servers answer a range past the end
                    ex.getResponseHeaders().add("Content-Range", "bytes */" + body.length);
                    ex.sendResponseHeaders(416, -1);
                    ex.close();
                    return;
                }
                ex.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + (body.length - 1) + "/" + body.length);
                ex.sendResponseHeaders(206, body.length - from);
            } else {
                ex.sendResponseHeaders(200, body.length);
            }
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body, from, body.length - from);
            }
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private URI base() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/files/");
    }

    @Test
    void downloadsWithProgressVerifiesAndKeepsTheFile() throws IOException {
        served = new byte[200_000];
        Arrays.fill(served, (byte) 7);
        Path src = Files.write(dir.resolve("src.bin"), served);
        RemoteFile f = new RemoteFile(base().resolve("data.bin"), "data.bin", Downloader.md5(src));
        List<Long> progress = new CopyOnWriteArrayList<>();
        Downloader.Result r = Downloader.fetch(f, dir.resolve("out"), false, (done, total) -> {
            assertThat(total).isEqualTo(200_000);
            progress.add(done);
        });
        assertThat(r.matches()).isTrue();
        assertThat(Files.readAllBytes(r.path())).isEqualTo(served);
        assertThat(progress).isNotEmpty().last().isEqualTo(200_000L);
        assertThat(Files.exists(dir.resolve("out/data.bin.part"))).isFalse();
        ranges.clear();
        Downloader.fetch(f, dir.resolve("out"), false, (d, t) -> { });
        assertThat(ranges).isEmpty(); // a complete, verified copy is not fetched again
    }

    @Test
    void resumesAPartialFileWhereTheServerAllowsAndRestartsWhereItDoesNot() throws IOException {
        served = new byte[100_000];
        for (int i = 0; i < served.length; i++) {
            served[i] = (byte) i;
        }
        String md5 = Downloader.md5(Files.write(dir.resolve("whole"), served));
        RemoteFile f = new RemoteFile(base().resolve("x.bin"), "x.bin", md5);
        Path out = Files.createDirectories(dir.resolve("resume"));
        Files.write(out.resolve("x.bin.part"), Arrays.copyOf(served, 40_000));
        assertThat(Downloader.fetch(f, out, false, (d, t) -> { }).matches()).isTrue();
        assertThat(ranges).containsExactly("bytes=40000-");

        honourRanges = false;
        Path out2 = Files.createDirectories(dir.resolve("restart"));
        Files.write(out2.resolve("x.bin.part"), new byte[30_000]); // garbage that must not survive
        assertThat(Downloader.fetch(f, out2, false, (d, t) -> { }).matches()).isTrue();
        assertThat(Files.readAllBytes(out2.resolve("x.bin"))).isEqualTo(served);
    }

    @Test
    void aPartialFileThatIsNotAPrefixOfTheFileIsNeverTakenForIt() throws IOException {
        served = new byte[50_000];
        Arrays.fill(served, (byte) 3);
        String md5 = Downloader.md5(Files.write(dir.resolve("whole"), served));
        RemoteFile f = new RemoteFile(base().resolve("z.bin"), "z.bin", md5);
        // complete but never renamed (killed in between): kept, not fetched again
        Path done = Files.createDirectories(dir.resolve("done"));
        Files.write(done.resolve("z.bin.part"), served);
        assertThat(Downloader.fetch(f, done, false, (d, t) -> { }).matches()).isTrue();
        // longer than the file (another version, garbage): fetched again even when mismatches are accepted
        Path longer = Files.createDirectories(dir.resolve("longer"));
        Files.write(longer.resolve("z.bin.part"), new byte[80_000]);
        Downloader.Result r = Downloader.fetch(f, longer, true, (d, t) -> { });
        assertThat(r.matches()).isTrue();
        assertThat(Files.readAllBytes(r.path())).isEqualTo(served);
    }

    @Test
    void linksInAnArchiveAreSkippedWithANoteAndLeaveNoEmptyFiles() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GzipCompressorOutputStream(bytes))) {
            TarArchiveEntry data = new TarArchiveEntry("d/data_batch_1.bin");
            data.setSize(3);
            tar.putArchiveEntry(data);
            tar.write(new byte[] {1, 2, 3});
            tar.closeArchiveEntry();
            TarArchiveEntry sym = new TarArchiveEntry("d/data_batch_2.bin", TarArchiveEntry.LF_SYMLINK);
            sym.setLinkName("data_batch_1.bin");
            tar.putArchiveEntry(sym);
            tar.closeArchiveEntry();
            TarArchiveEntry hard = new TarArchiveEntry("d/test_batch.bin", TarArchiveEntry.LF_LINK);
            hard.setLinkName("d/data_batch_1.bin");
            tar.putArchiveEntry(hard);
            tar.closeArchiveEntry();
        }
        Path tgz = Files.write(dir.resolve("links.tar.gz"), bytes.toByteArray());
        Path dest = dir.resolve("links");
        Files.createDirectories(dest.resolve(".unpack123/d")); // what an unpack killed midway leaves
        Files.write(dest.resolve(".unpack123/d/data_batch_1.bin"), new byte[1]);
        List<String> notes = Archives.untarGz(tgz, dest);
        assertThat(notes).containsExactly("links.tar.gz: skipped the symbolic link d/data_batch_2.bin ->"
                + " data_batch_1.bin", "links.tar.gz: skipped the hard link d/test_batch.bin -> d/data_batch_1.bin");
        try (var files = Files.walk(dest)) {
            assertThat(files.filter(Files::isRegularFile).map(p -> dest.relativize(p).toString()))
                    .containsExactly("d/data_batch_1.bin");
        }
        // an empty file an older unpack left is replaced; a file with content never is
        Files.write(dest.resolve("d/data_batch_1.bin"), new byte[0]);
        Archives.untarGz(tgz, dest);
        assertThat(Files.readAllBytes(dest.resolve("d/data_batch_1.bin"))).containsExactly(1, 2, 3);
    }

    @Test
    void aChecksumMismatchFailsUnlessAcceptedExplicitly() throws IOException {
        served = "not the published file".getBytes();
        RemoteFile f = new RemoteFile(base().resolve("y.bin"), "y.bin", "00000000000000000000000000000000");
        assertThatThrownBy(() -> Downloader.fetch(f, dir, false, (d, t) -> { })).isInstanceOf(DownloadException.class)
                .hasMessageContaining("differs from the published 00000000000000000000000000000000")
                .hasMessageContaining("--allow-checksum-mismatch");
        Downloader.Result r = Downloader.fetch(f, dir, true, (d, t) -> { });
        assertThat(r.matches()).isFalse();
        assertThat(Files.readString(r.path())).isEqualTo("not the published file");
    }

    @Test
    void unpacksArchivesAndRefusesEntriesOutsideTheDestination() throws IOException {
        Path tgz = dir.resolve("a.tar.gz");
        Files.write(tgz, tarGz(new String[] {"top/one.txt", "top/sub/two.txt"}, new byte[][] {"1".getBytes(),
                "2".getBytes()}));
        Path dest = dir.resolve("dest");
        Archives.untarGz(tgz, dest);
        assertThat(Files.readString(dest.resolve("top/sub/two.txt"))).isEqualTo("2");
        try (var left = Files.list(dest)) {
            assertThat(left.map(p -> p.getFileName().toString())).containsExactly("top");
        }
        Files.write(tgz, tarGz(new String[] {"../evil.txt"}, new byte[][] {"x".getBytes()}));
        assertThatThrownBy(() -> Archives.untarGz(tgz, dest)).hasMessageContaining("points outside the archive");
        assertThat(Files.exists(dir.resolve("evil.txt"))).isFalse();
        Files.writeString(tgz, "not gzip");
        assertThatThrownBy(() -> Archives.untarGz(tgz, dest)).hasMessageContaining("cannot unpack");
        // unpacking again never replaces what is there, and adds what is missing
        Files.writeString(dest.resolve("top/one.txt"), "mine");
        Files.delete(dest.resolve("top/sub/two.txt"));
        Files.write(tgz, tarGz(new String[] {"top/one.txt", "top/sub/two.txt"}, new byte[][] {"1".getBytes(),
                "2".getBytes()}));
        Archives.untarGz(tgz, dest);
        assertThat(Files.readString(dest.resolve("top/one.txt"))).isEqualTo("mine");
        assertThat(Files.readString(dest.resolve("top/sub/two.txt"))).isEqualTo("2");
    }

    /** Serves a generated CIFAR-10 archive (not the official one, so its MD5 differs from the published one). */
    private void serveCifar10() throws IOException {
        Path batches = DataFiles.cifar10(dir.resolve("staging"), 2, 3);
        String[] names = {"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin",
            "data_batch_5.bin", "test_batch.bin", "batches.meta.txt"};
        byte[][] contents = new byte[names.length][];
        for (int i = 0; i < names.length; i++) {
            contents[i] = Files.readAllBytes(batches.resolve(names[i]));
            names[i] = "cifar-10-batches-bin/" + names[i];
        }
        served = tarGz(names, contents);
    }

    @Test
    void cifar10IsDownloadedFromAMirrorCheckedAndUnpackedWhenMissing() throws IOException {
        serveCifar10();
        Path root = dir.resolve("data");
        DataConfig c = DataConfig.of(DatasetKind.CIFAR10, root).withDownload(true, false, base());
        // the generated archive is not the official one: refused, with what to do
        assertThatThrownBy(() -> Datasets.load(c, Split.TEST, Datasets.Listener.SILENT))
                .hasMessageContaining("cifar10 is not in " + root)
                .hasMessageContaining("differs from the published c32a1d4ab5d03f1284b67883e8d87530")
                .hasMessageContaining("--allow-checksum-mismatch");
        List<String> notes = new CopyOnWriteArrayList<>();
        Dataset test = Datasets.load(c.withDownload(true, true, base()), Split.TEST, new Datasets.Listener() {
            @Override
            public void note(String message) {
                notes.add(message);
            }
        });
        assertThat(test.size()).isEqualTo(3);
        assertThat(notes).singleElement().asString().contains("(accepted)");
        assertThat(Files.isRegularFile(root.resolve("cifar-10-batches-bin/data_batch_5.bin"))).isTrue();
    }

    @Test
    void trainingShowsTheDownloadOfItsData() throws IOException {
        serveCifar10();
        Cli.Result r = Cli.run("train", "--data-dir", dir.resolve("data").toString(), "--mirror", base().toString(),
                "--allow-checksum-mismatch", "--model", "resnet20", "--batch-size", "4", "--epochs", "1",
                "--out", dir.resolve("run").toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.err()).containsPattern("download cifar-10-binary.tar.gz: [0-9.]+ (B|KiB) in ");
    }

    @Test
    void offlineTheErrorNamesTheFilesAndHowToSupplyThem() throws IOException {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        Path root = dir.resolve("offline");
        DataConfig c = DataConfig.of(DatasetKind.MNIST, root)
                .withDownload(true, false, URI.create("http://127.0.0.1:" + closedPort + "/"));
        assertThatThrownBy(() -> Datasets.load(c, Split.TRAIN, Datasets.Listener.SILENT))
                .hasMessageContaining("mnist is not in " + root)
                .hasMessageContaining("cannot download http://127.0.0.1:" + closedPort + "/train-images-idx3-ubyte.gz")
                .hasMessageContaining("put train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz,")
                .hasMessageContaining(root.resolve("mnist").toString())
                .hasMessageContaining("--data-dir");
        DataConfig noDownload = DataConfig.of(DatasetKind.CIFAR10, root).withDownload(false, false, null);
        assertThatThrownBy(() -> Datasets.load(noDownload, Split.TEST, Datasets.Listener.SILENT))
                .hasMessageContaining("CIFAR-10 test file missing");
    }

    @Test
    void fileUrlsWorkForALocalCopy() throws IOException {
        byte[] content = "local".getBytes();
        Path src = Files.write(dir.resolve("local.bin"), content);
        RemoteFile f = new RemoteFile(src.toUri(), "copy.bin", Downloader.md5(src));
        assertThat(Files.readAllBytes(Downloader.fetch(f, dir.resolve("o"), false, (d, t) -> { }).path()))
                .isEqualTo(content);
    }

    private static byte[] tarGz(String[] names, byte[][] contents) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GzipCompressorOutputStream(bytes))) {
            for (int i = 0; i < names.length; i++) {
                TarArchiveEntry e = new TarArchiveEntry(names[i]);
                e.setSize(contents[i].length);
                tar.putArchiveEntry(e);
                tar.write(contents[i]);
                tar.closeArchiveEntry();
            }
        }
        return bytes.toByteArray();
    }
}
