package org.resnet4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnet4j.testing.Cli;
import org.resnet4j.testing.Fixtures;
import org.resnet4j.testing.TestImages;

/** resnet4j serve as a real process: it prints its address, and SIGTERM lets the requests in flight finish. */
class ServeProcessTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void sigtermAnswersTheRequestsInFlightThenExitsCleanly() throws Exception {
        String weights = Fixtures.path("resnet20_trained.safetensors").toString();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Path err = dir.resolve("err.txt");
        // a long batching wait keeps a request in flight long enough to signal during it
        Process p = new ProcessBuilder(java, "-cp", cp, "org.resnet4j.cli.Main", "serve", "--weights", weights,
                "--model", "resnet20", "--port", "0", "--max-wait-ms", "3000", "--threads", "1")
                .redirectError(err.toFile()).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String first = out.readLine(); // the address, once it listens
            assertThat(first).as(Files.readString(err)).startsWith("http://127.0.0.1:");
            URI uri = URI.create(first.strip());

            // another server on the same port: one clear line (before the request in flight,
            // whose batching wait would otherwise run out while this one starts)
            Cli.Result taken = Cli.run("serve", "--weights", weights, "--model", "resnet20", "--port",
                    String.valueOf(uri.getPort()));
            assertThat(taken.exit()).isEqualTo(1);
            assertThat(taken.errorLines()).singleElement().asString()
                    .contains("cannot listen on 127.0.0.1:" + uri.getPort());

            HttpClient http = HttpClient.newHttpClient();
            CompletableFuture<HttpResponse<String>> inFlight = http.sendAsync(HttpRequest.newBuilder(
                    uri.resolve("/predict")).header("Content-Type", "image/png").timeout(Duration.ofSeconds(60))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(TestImages.png(TestImages.cifar(7)))).build(),
                    HttpResponse.BodyHandlers.ofString());
            for (int i = 0; i < 500; i++) {
                String health = HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri.resolve("/health")).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
                if (JSON.readTree(health).at("/batching/pending").asInt() > 0) {
                    break;
                }
                Thread.sleep(10);
            }
            assertThat(inFlight).isNotDone();
            p.destroy(); // SIGTERM
            HttpResponse<String> r = inFlight.get(60, TimeUnit.SECONDS);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(JSON.readTree(r.body()).get("top")).hasSize(5);
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            String log = Files.readString(err);
            assertThat(p.exitValue()).as(log).isZero();
            assertThat(log).contains("serving resnet20 (10 classes", "SIGTERM: stopping; answering the requests in"
                    + " flight", "stopped").doesNotContain("Exception");
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void badSettingsGetOneErrorLine() {
        String weights = Fixtures.path("resnet20_trained.safetensors").toString();
        Cli.Result r = Cli.run("serve", "--weights", weights, "--model", "resnet20", "--max-batch", "0");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.errorLines()).singleElement().asString().contains("the maximum batch size must be at least 1");
        r = Cli.run("serve", "--weights", weights, "--model", "resnet20", "--port", "70000");
        assertThat(r.errorLines()).singleElement().asString().contains("the port must be 0..65535");
        r = Cli.run("serve", "--weights", weights, "--model", "resnet20", "--max-wait-ms", "-1");
        assertThat(r.errorLines()).singleElement().asString().contains("not negative");
        r = Cli.run("serve", "--weights", dir.resolve("missing.ckpt").toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.errorLines()).singleElement().asString().contains("missing.ckpt");
    }
}
