package org.resnet4j.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import com.sun.net.httpserver.HttpServer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnet4j.data.download.DownloadException;
import org.resnet4j.engine.Engine;
import org.resnet4j.model.ModelOptions;
import org.resnet4j.model.ResNet;
import org.resnet4j.model.ResNets;

/** The registry's table, and its cache against a loopback server serving generated weights. */
class PretrainedWeightsTest {
    @TempDir
    Path dir;

    private HttpServer server;
    private final AtomicLong bytesSent = new AtomicLong();
    private final List<String> ranges = new java.util.concurrent.CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() {
        Engine.start();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
        System.clearProperty("resnet4j.cache");
        System.clearProperty("resnet4j.weights.url");
    }

    @Test
    void theTableIsTorchvisions() {
        assertThat(PretrainedWeights.byName("imagenet_resnet50.DEFAULT")).isEqualTo(PretrainedWeights.RESNET50_V2);
        assertThat(PretrainedWeights.byName("imagenet_resnet50.IMAGENET1K_V1").fileName())
                .isEqualTo("resnet50-0676ba61.pth");
        assertThat(PretrainedWeights.byName("imagenet_resnet18.DEFAULT")).isEqualTo(PretrainedWeights.RESNET18_V1);
        assertThat(PretrainedWeights.RESNET50_V2.sha256Prefix()).isEqualTo("11ad3fa6");
        assertThat(PretrainedWeights.RESNET50_V2.evalTransform().resizeSize()).isEqualTo(232);
        assertThat(PretrainedWeights.RESNET152_V2.evalTransform().resizeSize()).isEqualTo(232);
        assertThat(PretrainedWeights.RESNET34_V1.evalTransform().resizeSize()).isEqualTo(256);
        assertThat(PretrainedWeights.RESNET34_V1.evalTransform().cropSize()).isEqualTo(224);
        assertThat(PretrainedWeights.RESNET101_V2.acc1()).isEqualTo(81.886);
        assertThat(PretrainedWeights.imagenetClasses()).hasSize(1000).startsWith("tench", "goldfish")
                .endsWith("toilet tissue").doesNotHaveDuplicates();
        for (String model : List.of("imagenet_resnet18", "imagenet_resnet50")) {
            ResNet net = ResNets.create(ModelOptions.of(model));
            assertThat(net.parameterCount()).isEqualTo(PretrainedWeights.byName(model + ".DEFAULT").parameters());
        }
        assertThatThrownBy(() -> PretrainedWeights.byName("imagenet_resnet50.IMAGENET1K_V9"))
                .hasMessageContaining("imagenet_resnet50.IMAGENET1K_V2");
        assertThat(PretrainedWeights.looksLikeName("imagenet_resnet50.DEFAULT")).isTrue();
        assertThat(PretrainedWeights.looksLikeName("weights.pt")).isFalse();
        assertThat(PretrainedWeights.looksLikeName("runs/r20/best.ckpt")).isFalse();
    }

    /** Generated weights under a torch.hub name carrying the start of their SHA-256 (or, if {@code wrong}, not). */
    private String servedWeights(Path served, boolean wrong) throws IOException {
        Path tmp = dir.resolve("generated.pth");
        ResNet net = ResNets.create(ModelOptions.of("resnet20").withClasses(10));
        Weights.save(net, List.of(), null, tmp);
        String sha = WeightsCache.sha256(tmp);
        String name = "tiny-" + (wrong ? "00000000" : sha.substring(0, 8)) + ".pth";
        Files.createDirectories(served);
        Files.move(tmp, served.resolve(name));
        return name;
    }

    /** Serves {@code root}'s files, honouring {@code Range: bytes=N-}, counting the body bytes it sends. */
    private String serve(Path root) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/models/", ex -> {
            Path f = root.resolve(ex.getRequestURI().getPath().substring("/models/".length()));
            if (!Files.isRegularFile(f)) {
                ex.sendResponseHeaders(404, -1);
                ex.close();
                return;
            }
            byte[] all = Files.readAllBytes(f);
            String range = ex.getRequestHeaders().getFirst("Range");
            int from = 0;
            if (range != null) {
                ranges.add(range);
                from = Integer.parseInt(range.substring("bytes=".length(), range.indexOf('-')));
                ex.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + (all.length - 1) + "/"
                        + all.length);
            }
            ex.sendResponseHeaders(range != null ? 206 : 200, all.length - from);
            bytesSent.addAndGet(all.length - from); // before the body: the client may finish reading before this thread
            try (OutputStream o = ex.getResponseBody()) {
                o.write(all, from, all.length - from);
            }
        });
        server.start();
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/models/";
    }

    @Test
    void aFileWhoseHashMatchesItsNameIsKeptAndThenUsedWithoutTheNetwork() throws IOException {
        Path served = dir.resolve("served");
        String name = servedWeights(served, false);
        WeightsCache cache = new WeightsCache(dir.resolve("cache"), serve(served));
        long[] lastProgress = {0, 0};
        Path got = cache.fetch(name, "tiny", (done, total) -> {
            lastProgress[0] = done;
            lastProgress[1] = total;
        });
        assertThat(got).isEqualTo(dir.resolve("cache/hub/checkpoints").resolve(name));
        assertThat(Files.mismatch(got, served.resolve(name))).isEqualTo(-1);
        assertThat(lastProgress[0]).isEqualTo(Files.size(got)).isEqualTo(lastProgress[1]);
        assertThat(ModelLoader.load(got, "resnet20").net().options().numClasses()).isEqualTo(10);

        server.stop(0);
        server = null;
        assertThat(cache.fetch(name, "tiny", (d, t) -> { })).isEqualTo(got); // no server: the cached copy
    }

    @Test
    void aFileWhoseHashDiffersIsNotKept() throws IOException {
        Path served = dir.resolve("served");
        String name = servedWeights(served, true);
        WeightsCache cache = new WeightsCache(dir.resolve("cache"), serve(served));
        assertThatThrownBy(() -> cache.fetch(name, "tiny", (d, t) -> { })).isInstanceOf(DownloadException.class)
                .hasMessageContaining("does not start with 00000000").hasMessageContaining("it was not kept")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
        try (var left = Files.list(dir.resolve("cache/hub/checkpoints"))) {
            assertThat(left.toList()).isEmpty();
        }
    }

    @Test
    void aPartialDownloadIsResumedWithOnlyTheRemainderTransferred() throws IOException {
        Path served = dir.resolve("served");
        String name = servedWeights(served, false);
        byte[] whole = Files.readAllBytes(served.resolve(name));
        WeightsCache cache = new WeightsCache(dir.resolve("cache"), serve(served));
        Path part = dir.resolve("cache/hub/checkpoints").resolve(name + ".part");
        Files.createDirectories(part.getParent());
        int have = whole.length / 3;
        Files.write(part, java.util.Arrays.copyOf(whole, have));

        Path got = cache.fetch(name, "tiny", (d, t) -> { });
        assertThat(ranges).containsExactly("bytes=" + have + "-");
        assertThat(bytesSent.get()).isEqualTo(whole.length - have);
        assertThat(Files.readAllBytes(got)).isEqualTo(whole);
        assertThat(part).doesNotExist();
    }

    @Test
    void offlineOneLineSaysWhichUrlToFetchAndWhereToPutIt() throws IOException {
        Path served = dir.resolve("served");
        String name = servedWeights(served, false);
        String base = serve(served);
        server.stop(0);
        server = null;
        WeightsCache cache = new WeightsCache(dir.resolve("cache"), base);
        assertThatThrownBy(() -> cache.fetch(name, "tiny", (d, t) -> { })).isInstanceOf(DownloadException.class)
                .hasMessageContaining("cannot download tiny from " + base + name)
                .hasMessageContaining("put it at " + dir.resolve("cache/hub/checkpoints").resolve(name))
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    /**
     * By name, from the cache (torchvision's real files cannot be fetched here, and generated ones cannot carry
     * their hash; the cache is not re-verified, as torch.hub's is not): the model, ImageNet's classes, its transform.
     */
    @Test
    void registryNamesLoadTheirModelClassesAndTransform() throws IOException {
        Path cache = dir.resolve("cache");
        ResNet net = ResNets.create(ModelOptions.of("imagenet_resnet18"));
        Path file = new WeightsCache(cache, "unused").path(PretrainedWeights.RESNET18_V1);
        Files.createDirectories(file.getParent());
        Weights.save(net, List.of(), null, file);
        System.setProperty("resnet4j.cache", cache.toString());
        System.setProperty("resnet4j.weights.url", "http://127.0.0.1:9/"); // nothing listens: no network needed

        ModelLoader.LoadedModel m = ModelLoader.load(Path.of("imagenet_resnet18.DEFAULT"), null);
        assertThat(m.net().options().name()).isEqualTo("imagenet_resnet18");
        assertThat(m.classNames()).isEqualTo(PretrainedWeights.imagenetClasses());
        assertThat(m.preprocessing().height()).isEqualTo(224);
        assertThat(m.evalTransform().resizeSize()).isEqualTo(256);
        assertThatThrownBy(() -> ModelLoader.load(Path.of("imagenet_resnet18.DEFAULT"), "resnet20"))
                .hasMessageContaining("not resnet20");
        assertThatThrownBy(() -> ModelLoader.load(Path.of("imagenet_resnet50.IMAGENET1K_V2"), null))
                .isInstanceOf(DownloadException.class).hasMessageContaining("http://127.0.0.1:9/resnet50-11ad3fa6.pth")
                .hasMessageContaining(cache.resolve("hub/checkpoints/resnet50-11ad3fa6.pth").toString());
    }
}
