import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Stream;

import javax.imageio.ImageIO;

/**
 * A bounded load client for resnet4j serve: N requests from C concurrent clients, each client sending its next image
 * as soon as it has its previous answer (a closed loop), stopping at N requests or after a time limit, whichever
 * comes first. Prints throughput, latency percentiles and the server's mean batch size (from /metrics).
 *
 *   java bench/LoadClient.java --url http://127.0.0.1:8080/ --cifar DIR/test_batch.bin [--requests 5000]
 *       [--concurrency 32] [--max-seconds 300] [--warmup 200] [--images DIR] [--json]
 *
 * Nothing but the JDK: run it with the source launcher, no build needed.
 */
public final class LoadClient {
    private static final int CIFAR_RECORD = 3073;

    public static void main(String[] args) throws Exception {
        Map<String, String> o = options(args);
        URI base = URI.create(o.getOrDefault("url", "http://127.0.0.1:8080/").strip());
        if (!"http".equals(base.getScheme()) || base.getHost() == null) {
            System.err.println("LoadClient: error: --url must be the server's address, like http://127.0.0.1:8080/;"
                    + " got '" + base + "'");
            System.exit(2);
        }
        int requests = Integer.parseInt(o.getOrDefault("requests", "5000"));
        int concurrency = Integer.parseInt(o.getOrDefault("concurrency", "32"));
        int warmup = Integer.parseInt(o.getOrDefault("warmup", "200"));
        double maxSeconds = Double.parseDouble(o.getOrDefault("max-seconds", "300"));
        boolean json = o.containsKey("json");
        List<byte[]> images = o.containsKey("images") ? folder(Path.of(o.get("images")))
                : cifar(Path.of(o.getOrDefault("cifar", "data/cifar-10-batches-bin/test_batch.bin")), 256);
        if (requests < 1 || concurrency < 1 || images.isEmpty()) {
            throw new IllegalArgumentException("need at least one request, one client and one image");
        }
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
        URI predict = base.resolve("/predict?k=5");

        run(http, predict, images, warmup, concurrency, 60, new long[Math.max(1, warmup)], new ConcurrentHashMap<>());
        double[] before = batches(http, base);
        long[] latencies = new long[requests];
        Map<Integer, LongAdder> statuses = new ConcurrentHashMap<>();
        long t0 = System.nanoTime();
        int done = run(http, predict, images, requests, concurrency, maxSeconds, latencies, statuses);
        double seconds = (System.nanoTime() - t0) / 1e9;
        double[] after = batches(http, base);

        long[] sorted = Arrays.copyOf(latencies, done);
        Arrays.sort(sorted);
        double meanBatch = (after[1] - before[1]) / Math.max(1, after[0] - before[0]);
        Map<Integer, Long> codes = new TreeMap<>();
        statuses.forEach((k, v) -> codes.put(k, v.sum()));
        long ok = codes.getOrDefault(200, 0L);
        if (json) {
            System.out.printf(Locale.ROOT, "{\"requests\":%d,\"ok\":%d,\"statuses\":%s,\"concurrency\":%d,"
                    + "\"seconds\":%.3f,\"requests_per_second\":%.1f,\"p50_ms\":%.2f,\"p90_ms\":%.2f,\"p99_ms\":%.2f,"
                    + "\"max_ms\":%.2f,\"mean_batch\":%.2f,\"stopped_by_time\":%b}%n", done, ok,
                    codes.toString().replace("=", ":").replaceAll("(\\d+):", "\"$1\":"), concurrency, seconds,
                    done / seconds, ms(sorted, .50), ms(sorted, .90), ms(sorted, .99), ms(sorted, 1), meanBatch,
                    done < requests);
        } else {
            System.out.printf(Locale.ROOT, "%d requests (%d ok, statuses %s) from %d clients in %.1f s%s: %.1f"
                    + " requests/s; latency p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms; mean batch %.2f%n",
                    done, ok, codes, concurrency, seconds, done < requests ? " (stopped by the time limit)" : "",
                    done / seconds, ms(sorted, .50), ms(sorted, .90), ms(sorted, .99), ms(sorted, 1), meanBatch);
        }
        if (ok < done) {
            System.exit(1);
        }
    }

    /** Sends up to {@code n} requests from {@code clients} threads; returns how many were sent. */
    private static int run(HttpClient http, URI predict, List<byte[]> images, int n, int clients, double maxSeconds,
            long[] latencies, Map<Integer, LongAdder> statuses) throws InterruptedException {
        AtomicInteger next = new AtomicInteger();
        AtomicInteger done = new AtomicInteger();
        long deadline = System.nanoTime() + (long) (maxSeconds * 1e9);
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            Thread t = new Thread(() -> {
                for (int i; (i = next.getAndIncrement()) < n && System.nanoTime() < deadline; ) {
                    HttpRequest r = HttpRequest.newBuilder(predict).timeout(Duration.ofSeconds(60))
                            .header("Content-Type", "image/png")
                            .POST(HttpRequest.BodyPublishers.ofByteArray(images.get(i % images.size()))).build();
                    long start = System.nanoTime();
                    int status;
                    try {
                        status = http.send(r, HttpResponse.BodyHandlers.ofString()).statusCode();
                    } catch (IOException e) {
                        status = -1;
                    } catch (InterruptedException e) {
                        return;
                    }
                    latencies[done.getAndIncrement()] = System.nanoTime() - start;
                    statuses.computeIfAbsent(status, s -> new LongAdder()).increment();
                }
            });
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }
        return done.get();
    }

    /** The server's batch count and images batched so far, from its Prometheus metrics. */
    private static double[] batches(HttpClient http, URI base) throws IOException, InterruptedException {
        String text = http.send(HttpRequest.newBuilder(base.resolve("/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        return new double[] {sample(text, "resnet4j_batch_size_count"), sample(text, "resnet4j_batch_size_sum")};
    }

    private static double sample(String text, String name) {
        return text.lines().filter(l -> l.startsWith(name + " ")).mapToDouble(l -> Double.parseDouble(
                l.substring(name.length() + 1).strip())).findFirst().orElse(0);
    }

    private static double ms(long[] sorted, double q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int i = (int) Math.ceil(q * sorted.length) - 1; // nearest rank
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))] / 1e6;
    }

    /** {@code count} CIFAR test images spread over the file (the test batch is sorted by class), as PNG. */
    private static List<byte[]> cifar(Path file, int count) throws IOException {
        byte[] b = Files.readAllBytes(file);
        int records = b.length / CIFAR_RECORD;
        List<byte[]> out = new ArrayList<>();
        for (int j = 0; j < Math.min(count, records); j++) {
            int o = (int) ((long) j * records / Math.min(count, records)) * CIFAR_RECORD + 1;
            BufferedImage img = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
            for (int p = 0; p < 1024; p++) {
                img.setRGB(p % 32, p / 32, (b[o + p] & 0xff) << 16 | (b[o + 1024 + p] & 0xff) << 8 | b[o + 2048 + p] & 0xff);
            }
            ByteArrayOutputStream png = new ByteArrayOutputStream();
            ImageIO.write(img, "png", png);
            out.add(png.toByteArray());
        }
        return out;
    }

    private static List<byte[]> folder(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.toString().toLowerCase(Locale.ROOT).matches(".*\\.(png|jpe?g|bmp|gif)$"))
                    .sorted().map(f -> {
                        try {
                            return Files.readAllBytes(f);
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    }).toList();
        }
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> o = new TreeMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument: " + args[i]);
            }
            String key = args[i].substring(2);
            boolean flag = key.equals("json") || i + 1 >= args.length || args[i + 1].startsWith("--");
            o.put(key, flag ? "" : args[++i]);
        }
        return o;
    }
}
