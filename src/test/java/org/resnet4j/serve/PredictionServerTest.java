package org.resnet4j.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.resnet4j.eval.Predictor;
import org.resnet4j.testing.TestImages;

/** The server as its clients see it: over loopback HTTP, good requests and every kind of bad one. */
class PredictionServerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int CONCURRENT = 64;

    static Predictor predictor;
    static PredictionServer server;
    static HttpClient http;

    @BeforeAll
    static void start() throws Exception {
        predictor = TestImages.cifarPredictor();
        server = PredictionServer.start(predictor, ServerConfig.defaults().withPort(0)
                .withBatching(new BatchingPredictor.Policy(16, Duration.ofMillis(20), 256))
                .withMaxBodyBytes(256 << 10).withMaxPixels(4_000_000).withDecodeThreads(2));
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10))
                .build();
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    private static URI uri(String path) {
        return server.uri().resolve(path);
    }

    private static HttpResponse<String> post(String path, String contentType, byte[] body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> r) throws IOException {
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json; charset=utf-8");
        return JSON.readTree(r.body());
    }

    private static void assertSame(JsonNode top, Predictor.Prediction expected) {
        assertThat(top).hasSize(expected.top().size());
        for (int j = 0; j < top.size(); j++) {
            assertThat(top.get(j).get("index").asInt()).isEqualTo(expected.top().get(j).index());
            assertThat(top.get(j).get("class").asText()).isEqualTo(expected.top().get(j).name());
            assertThat(top.get(j).get("probability").asDouble())
                    .isCloseTo(expected.top().get(j).probability(), within(1e-4));
        }
    }

    @Test
    void healthDescribesTheModelAndListensOnLoopbackOnly() throws Exception {
        HttpResponse<String> r = get("/health");
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode h = json(r);
        assertThat(h.get("status").asText()).isEqualTo("ok");
        assertThat(h.get("model").asText()).isEqualTo("resnet20");
        assertThat(h.get("classes")).hasSize(10);
        assertThat(h.at("/input/height").asInt()).isEqualTo(32);
        assertThat(h.at("/batching/max_batch_size").asInt()).isEqualTo(16);
        assertThat(ServerConfig.defaults().host()).isEqualTo("127.0.0.1");
        assertThat(server.address().getAddress().isLoopbackAddress()).isTrue();
    }

    @Test
    void predictAnswersTheTopKOfARawOrMultipartImageInAnyFormat() throws Exception {
        BufferedImage img = TestImages.cifar(5);
        Predictor.Prediction expected = predictor.predict(img, 3);
        HttpResponse<String> r = post("/predict?k=3", "image/png", TestImages.png(img));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertSame(json(r).get("top"), expected);
        assertThat(json(post("/predict", "image/png", TestImages.png(img))).get("top")).hasSize(5); // k's default
        assertThat(json(post("/predict?k=50", "image/png", TestImages.png(img))).get("top")).hasSize(10);

        // the same pixels as BMP, and as octet-stream: the same answer; JPEG and GIF: readable
        assertSame(json(post("/predict?k=3", "image/bmp", TestImages.encode(img, "bmp"))).get("top"), expected);
        assertSame(json(post("/predict?k=3", "application/octet-stream", TestImages.png(img))).get("top"), expected);
        assertThat(post("/predict", "image/jpeg", TestImages.encode(img, "jpg")).statusCode()).isEqualTo(200);
        assertThat(post("/predict", "image/gif", TestImages.encode(img, "gif")).statusCode()).isEqualTo(200);

        for (String field : new String[] {"image", "file", "upload"}) {
            Multipart form = new Multipart().file(field, "cat.png", "image/png", TestImages.png(img));
            if (field.equals("upload")) {
                form.text("note", "a single file under another name is taken too");
            }
            HttpResponse<String> m = post("/predict?k=3", form.contentType(), form.bytes());
            assertThat(m.statusCode()).as(m.body()).isEqualTo(200);
            assertSame(json(m).get("top"), expected);
        }
    }

    /** 64 clients at once, each with its own image: batched together, and each gets exactly its own answer. */
    @Test
    void concurrentRequestsAreBatchedAndEachGetsItsOwnAnswer() throws Exception {
        List<byte[]> bodies = new ArrayList<>();
        List<Predictor.Prediction> expected = new ArrayList<>();
        for (int i = 0; i < TestImages.cifarCount() && bodies.size() < CONCURRENT; i++) {
            BufferedImage img = TestImages.cifar(i);
            Predictor.Prediction p = predictor.predict(img, 3);
            if (expected.stream().noneMatch(e -> sameWithin(e, p, 1e-3))) { // distinct, or a mix-up could go unseen
                bodies.add(TestImages.png(img));
                expected.add(p);
            }
        }
        assertThat(bodies).hasSize(CONCURRENT);
        assertThat(expected.stream().map(e -> e.best().index()).distinct()).as("top-1 classes").hasSizeGreaterThan(5);
        String before = get("/metrics").body();
        List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
        for (byte[] body : bodies) {
            responses.add(http.sendAsync(HttpRequest.newBuilder(uri("/predict?k=3")).timeout(Duration.ofSeconds(120))
                    .header("Content-Type", "image/png").POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        for (int i = 0; i < CONCURRENT; i++) {
            HttpResponse<String> r = responses.get(i).get(120, TimeUnit.SECONDS);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertSame(json(r).get("top"), expected.get(i));
        }
        String after = get("/metrics").body();
        double batches = metric(after, "resnet4j_batch_size_count") - metric(before, "resnet4j_batch_size_count");
        double images = metric(after, "resnet4j_batch_size_sum") - metric(before, "resnet4j_batch_size_sum");
        assertThat(images).isEqualTo(CONCURRENT);
        assertThat(batches).as("forward passes for %d concurrent requests", CONCURRENT).isLessThan(CONCURRENT);
    }

    private static boolean sameWithin(Predictor.Prediction a, Predictor.Prediction b, double tolerance) {
        for (int j = 0; j < a.top().size(); j++) {
            if (a.top().get(j).index() != b.top().get(j).index()
                    || Math.abs(a.top().get(j).probability() - b.top().get(j).probability()) > tolerance) {
                return false;
            }
        }
        return true;
    }

    @Test
    void badRequestsGetA4xxJsonErrorAndTheServerCarriesOn() throws Exception {
        byte[] png = TestImages.png(TestImages.cifar(1));
        byte[] bomb = TestImages.pngBomb(20_000, 20_000);
        assertThat(bomb.length).isLessThan(256 << 10); // under the body limit: the pixel limit must catch it
        assertError(post("/predict", "image/png", "hello, not an image".getBytes(StandardCharsets.UTF_8)), 415,
                "not an image");
        assertError(post("/predict", "image/png", Arrays.copyOf(png, png.length / 2)), 422, "");
        assertError(post("/predict", "image/png", bomb), 413, "20000x20000, 400,000,000 pixels, over the limit of"
                + " 4,000,000");
        assertError(post("/predict", "image/png", new byte[0]), 400, "the body is empty");
        assertError(post("/predict", "text/plain", png), 415, "Content-Type 'text/plain'");
        assertError(post("/predict", "application/x-www-form-urlencoded", png), 415, "image/png");
        assertError(post("/predict", null, png), 415, "no Content-Type");
        assertError(post("/predict", "image/png", new byte[300 << 10]), 413, "larger than the limit of 262,144 bytes");
        // the same without a Content-Length (chunked): refused once it passes the limit
        HttpResponse<String> chunked = http.send(HttpRequest.newBuilder(uri("/predict"))
                .header("Content-Type", "image/png").POST(HttpRequest.BodyPublishers.ofInputStream(
                        () -> new ByteArrayInputStream(new byte[300 << 10]))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertError(chunked, 413, "larger than the limit");
        assertError(post("/predict?k=0", "image/png", png), 400, "k must be a whole number from 1 to 1000");
        assertError(post("/predict?k=five", "image/png", png), 400, "got 'five'");
        Multipart noImage = new Multipart().text("caption", "no file here");
        assertError(post("/predict", noImage.contentType(), noImage.bytes()), 400, "no 'image' field");
        assertError(post("/predict", "multipart/form-data; boundary=xyz", png), 400, "multipart");
        assertError(get("/predict"), 405, "use POST");
        assertError(get("/nothing-here"), 404, "no such path: /nothing-here");
        assertError(post("/health", "image/png", png), 405, "GET only");

        assertThat(get("/health").statusCode()).isEqualTo(200);
        assertThat(post("/predict", "image/png", png).statusCode()).isEqualTo(200);
    }

    private static void assertError(HttpResponse<String> r, int status, String message) throws IOException {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        JsonNode e = json(r);
        assertThat(e.get("status").asInt()).isEqualTo(status);
        assertThat(e.get("error").asText()).contains(message);
    }

    /**
     * Raw sockets, on a server of its own with a 1 s idle timeout: a client that trickles its body, one that stops
     * sending, one that hangs up, one that sends a broken header.
     */
    @Test
    void slowStalledAndVanishingClientsAreCutOffWithoutHarm() throws Exception {
        byte[] png = TestImages.png(TestImages.cifar(2));
        String head = "POST /predict HTTP/1.1\r\nHost: localhost\r\nContent-Type: image/png\r\nContent-Length: "
                + png.length + "\r\n\r\n";
        try (PredictionServer s = PredictionServer.start(predictor, ServerConfig.defaults().withPort(0)
                .withMinRequestDataRate(4000).withIdleTimeout(Duration.ofSeconds(1)))) {
            try (Socket c = connect(s)) { // 16 bytes every 100 ms: 160 B/s against a minimum of 4000
                OutputStream out = c.getOutputStream();
                out.write(head.getBytes(StandardCharsets.US_ASCII));
                String answer = null;
                for (int off = 0; off < png.length && answer == null; off += 16) {
                    try {
                        out.write(png, off, Math.min(16, png.length - off));
                        out.flush();
                    } catch (IOException closed) {
                        break; // the server has answered and closed
                    }
                    Thread.sleep(100);
                    if (c.getInputStream().available() > 0) {
                        answer = readResponse(c);
                    }
                }
                answer = answer != null ? answer : readResponse(c);
                assertThat(answer).startsWith("HTTP/1.1 408").contains("\"status\":408", "too slowly",
                        "under the minimum of 4,000 bytes/s");
            }

            try (Socket c = connect(s)) { // part of the body, then nothing: the idle timeout ends it
                c.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
                c.getOutputStream().write(png, 0, 100);
                assertThat(readResponse(c)).startsWith("HTTP/1.1 408").contains("\"status\":408", "stopped arriving");
            }

            String closedSeries = "resnet4j_http_requests_total{code=\"499\",path=\"/predict\"}";
            try (Socket c = connect(s)) { // hangs up half-way
                c.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
                c.getOutputStream().write(png, 0, png.length / 2);
            }
            for (int i = 0; i < 200 && metric(rawGet(s, "/metrics"), closedSeries) == 0; i++) {
                Thread.sleep(50);
            }
            String metrics = rawGet(s, "/metrics");
            assertThat(metric(metrics, closedSeries)).isOne();
            assertThat(metrics).doesNotContain("code=\"500\""); // counted once, as 499

            try (Socket c = connect(s)) { // a header line without a colon
                c.getOutputStream().write("GET /health HTTP/1.1\r\nHost: localhost\r\nnot a header\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                assertThat(readResponse(c)).startsWith("HTTP/1.1 400").contains("\"status\":400");
            }

            try (Socket c = connect(s)) { // and the server answers as before
                c.getOutputStream().write((head.replace("HTTP/1.1\r\n", "HTTP/1.1\r\nConnection: close\r\n"))
                        .getBytes(StandardCharsets.US_ASCII));
                c.getOutputStream().write(png);
                assertThat(readResponse(c)).startsWith("HTTP/1.1 200").contains("\"top\":[");
            }
        }
    }

    private static String rawGet(PredictionServer s, String path) throws IOException {
        try (Socket c = connect(s)) {
            c.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            return readResponse(c);
        }
    }

    private static Socket connect(PredictionServer s) throws IOException {
        Socket c = new Socket(s.address().getAddress(), s.port());
        c.setSoTimeout(30_000);
        return c;
    }

    /** Everything the server sends until it closes the connection or the body it announced is complete. */
    private static String readResponse(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        try {
            for (int n; (n = in.read(buf)) > 0; ) {
                got.write(buf, 0, n);
                String text = got.toString(StandardCharsets.UTF_8);
                Matcher m = Pattern.compile("(?i)content-length: (\\d+)").matcher(text);
                int end = text.indexOf("\r\n\r\n");
                if (m.find() && end >= 0 && got.size() >= end + 4 + Integer.parseInt(m.group(1))) {
                    break;
                }
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("no answer within 30 s; got: " + got, e);
        }
        return got.toString(StandardCharsets.UTF_8);
    }

    @Test
    void metricsAreInPrometheusTextFormat() throws Exception {
        post("/predict", "image/png", TestImages.png(TestImages.cifar(9)));
        post("/predict", "text/plain", new byte[1]);
        HttpResponse<String> r = get("/metrics");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
        String text = r.body();
        assertThat(text).contains("# TYPE resnet4j_http_requests_total counter",
                "# TYPE resnet4j_predict_duration_seconds histogram", "# TYPE resnet4j_batch_size histogram",
                "# TYPE resnet4j_batch_duration_seconds histogram", "# TYPE resnet4j_pending_requests gauge",
                "resnet4j_batch_size_bucket{le=\"16.0\"}", "resnet4j_predict_duration_seconds_bucket{le=\"+Inf\"}");
        assertThat(metric(text, "resnet4j_http_requests_total{code=\"200\",path=\"/predict\"}")).isGreaterThan(0);
        assertThat(metric(text, "resnet4j_http_requests_total{code=\"415\",path=\"/predict\"}")).isGreaterThan(0);
        assertThat(metric(text, "resnet4j_predict_duration_seconds_count"))
                .isGreaterThanOrEqualTo(metric(text, "resnet4j_http_requests_total{code=\"200\",path=\"/predict\"}"));
    }

    /** The value of one sample line; 0 when the series does not exist yet. */
    static double metric(String text, String series) {
        return text.lines().filter(l -> l.startsWith(series + " ")).mapToDouble(l -> Double.parseDouble(
                l.substring(series.length() + 1).strip())).findFirst().orElse(0);
    }

    @Test
    void thePageAndItsFilesComeFromTheServerAloneWithNoOtherOrigin() throws Exception {
        HttpResponse<String> page = get("/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
        assertThat(page.headers().firstValue("Content-Security-Policy")).get().asString()
                .contains("default-src 'none'", "script-src 'self'");
        assertThat(page.body()).contains("<script src=\"page.js\"", "<link rel=\"stylesheet\" href=\"page.css\"",
                "type=\"file\"");
        for (String file : new String[] {"/", "/page.js", "/page.css"}) {
            HttpResponse<String> r = get(file);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).doesNotContainPattern("(?i)(https?:)?//[a-z0-9.-]+\\.[a-z]{2,}/");
        }
        assertThat(get("/page.js").headers().firstValue("Content-Type")).hasValue("text/javascript; charset=utf-8");
    }

    /** stop() while a request waits for its batch: it is still answered, and then nothing is listening. */
    @Test
    void aGracefulStopAnswersTheRequestsInFlight() throws Exception {
        PredictionServer s = PredictionServer.start(predictor, ServerConfig.defaults().withPort(0)
                .withBatching(new BatchingPredictor.Policy(8, Duration.ofMillis(1500), 16)));
        BufferedImage img = TestImages.cifar(4);
        CompletableFuture<HttpResponse<String>> inFlight = http.sendAsync(HttpRequest.newBuilder(
                s.uri().resolve("/predict?k=2")).header("Content-Type", "image/png")
                .POST(HttpRequest.BodyPublishers.ofByteArray(TestImages.png(img))).build(),
                HttpResponse.BodyHandlers.ofString());
        for (int i = 0; i < 1000 && s.batcher().pending() == 0; i++) {
            Thread.sleep(10);
        }
        assertThat(s.batcher().pending()).as("the request waits in the batcher").isOne();
        int port = s.port();
        s.stop();
        HttpResponse<String> r = inFlight.get(30, TimeUnit.SECONDS);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertSame(json(r).get("top"), predictor.predict(img, 2));
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> new Socket("127.0.0.1", port).close()))
                .isInstanceOf(ConnectException.class);
    }
}
