package org.resnet4j.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A headless Chromium (Debian's {@code chromium} package) driven over the DevTools protocol through the JDK's
 * WebSocket client: enough to load a page, pick a file in a file input, run script and take a screenshot. Every
 * host name but loopback is mapped to nowhere, so the browser cannot reach any other address.
 */
public final class HeadlessChromium implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final Path profile;
    private final WebSocket socket;
    private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final AtomicInteger ids = new AtomicInteger();
    private String session;

    /** The browser to run: {@code $RESNET4J_CHROMIUM}, else the first of chromium, chromium-browser on the PATH. */
    public static Optional<Path> find() {
        String env = System.getenv("RESNET4J_CHROMIUM");
        if (env != null && !env.isBlank()) {
            return Optional.of(Path.of(env)).filter(Files::isExecutable);
        }
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        return Stream.of(path.split(":")).flatMap(d -> Stream.of("chromium", "chromium-browser")
                .map(n -> Path.of(d, n))).filter(Files::isExecutable).findFirst();
    }

    private HeadlessChromium(Process process, Path profile, URI devtools) throws Exception {
        this.process = process;
        this.profile = profile;
        this.socket = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(30))
                .buildAsync(devtools, new Listener()).get(30, TimeUnit.SECONDS);
    }

    /** Starts the browser with one empty page of {@code width}×{@code height} CSS pixels. */
    public static HeadlessChromium start(Path binary, int width, int height) throws Exception {
        Path profile = Files.createTempDirectory("resnet4j-chromium");
        Process p = new ProcessBuilder(binary.toString(), "--headless=new", "--no-sandbox", "--disable-gpu",
                "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--disable-sync",
                "--disable-background-networking", "--disable-component-update", "--disable-default-apps",
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
                "--remote-debugging-port=0", "--remote-debugging-address=127.0.0.1",
                "--user-data-dir=" + profile, "--window-size=" + width + "," + height, "about:blank")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        BufferedReader err = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8));
        URI devtools = null;
        StringBuilder seen = new StringBuilder();
        for (String line; devtools == null && (line = err.readLine()) != null; ) {
            seen.append(line).append('\n');
            if (line.startsWith("DevTools listening on ")) {
                devtools = URI.create(line.substring("DevTools listening on ".length()).strip());
            }
        }
        if (devtools == null) {
            p.destroyForcibly();
            throw new IllegalStateException("chromium did not start:\n" + seen);
        }
        Thread drain = new Thread(() -> err.lines().forEach(l -> { }), "chromium-stderr");
        drain.setDaemon(true);
        drain.start();
        HeadlessChromium c = new HeadlessChromium(p, profile, devtools);
        String target = c.send("Target.createTarget", Map.of("url", "about:blank")).get("targetId").asText();
        c.session = c.send("Target.attachToTarget", Map.of("targetId", target, "flatten", true)).get("sessionId")
                .asText();
        c.send("Page.enable", Map.of());
        c.send("Emulation.setDeviceMetricsOverride", Map.of("width", width, "height", height, "deviceScaleFactor", 1,
                "mobile", false));
        return c;
    }

    /** Sends one DevTools command (to the page once attached) and waits for its result. */
    public JsonNode send(String method, Map<String, ?> params) throws Exception {
        int id = ids.incrementAndGet();
        ObjectNode msg = JSON.createObjectNode().put("id", id).put("method", method);
        msg.set("params", JSON.valueToTree(params));
        if (session != null) {
            msg.put("sessionId", session);
        }
        CompletableFuture<JsonNode> reply = new CompletableFuture<>();
        pending.put(id, reply);
        synchronized (socket) {
            socket.sendText(JSON.writeValueAsString(msg), true).get(30, TimeUnit.SECONDS);
        }
        JsonNode r = reply.get(60, TimeUnit.SECONDS);
        if (r.has("error")) {
            throw new IllegalStateException(method + ": " + r.get("error"));
        }
        return r.get("result");
    }

    public void navigate(String url) throws Exception {
        send("Page.navigate", Map.of("url", url));
        waitFor("document.readyState === 'complete'", Duration.ofSeconds(30));
    }

    /** The value of a JavaScript expression (awaited when it is a promise). */
    public JsonNode eval(String expression) throws Exception {
        JsonNode r = send("Runtime.evaluate", Map.of("expression", expression, "returnByValue", true,
                "awaitPromise", true));
        if (r.has("exceptionDetails")) {
            throw new IllegalStateException(expression + ": " + r.get("exceptionDetails"));
        }
        return r.at("/result/value");
    }

    /** Waits until a JavaScript expression is true. */
    public void waitFor(String condition, Duration timeout) throws Exception {
        long end = System.nanoTime() + timeout.toNanos();
        while (!eval("!!(" + condition + ")").asBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("still false after " + timeout + ": " + condition);
            }
            Thread.sleep(50);
        }
    }

    /** Picks {@code files} in the file input {@code selector}, as a person using the file dialog would. */
    public void pickFiles(String selector, List<Path> files) throws Exception {
        int root = send("DOM.getDocument", Map.of()).at("/root/nodeId").asInt();
        int node = send("DOM.querySelector", Map.of("nodeId", root, "selector", selector)).get("nodeId").asInt();
        send("DOM.setFileInputFiles", Map.of("nodeId", node, "files",
                files.stream().map(f -> f.toAbsolutePath().toString()).toList()));
    }

    public byte[] screenshot() throws Exception {
        return Base64.getDecoder().decode(send("Page.captureScreenshot", Map.of("format", "png")).get("data")
                .asText());
    }

    @Override
    public void close() throws Exception {
        try {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "").get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            // the browser goes away below either way
        }
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
        try (Stream<Path> walk = Files.walk(profile)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }

    private final class Listener implements WebSocket.Listener {
        private final StringBuilder text = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                try {
                    JsonNode m = JSON.readTree(text.toString());
                    if (m.has("id")) {
                        CompletableFuture<JsonNode> f = pending.remove(m.get("id").asInt());
                        if (f != null) {
                            f.complete(m);
                        }
                    }
                } catch (IOException e) {
                    pending.values().forEach(f -> f.completeExceptionally(e));
                }
                text.setLength(0);
            }
            ws.request(1);
            return null;
        }
    }
}
