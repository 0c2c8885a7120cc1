package org.resnet4j.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnet4j.data.DatasetKind;
import org.resnet4j.eval.Predictor;
import org.resnet4j.testing.HeadlessChromium;
import org.resnet4j.testing.TestImages;

/**
 * The page as a person uses it, in headless Chromium: it loads, an image picked in the file dialog or dropped on it
 * shows its top-5 as bars, and a file that is not an image shows the server's error. Skipped, with the reason, where
 * no Chromium is installed.
 *
 * <p>The screenshot in docs/serving.md comes from this test with a trained model and a picture of one's choice:
 * {@code -Dresnet4j.page.weights=runs/r20/best.ckpt -Dresnet4j.page.image=cat.png
 * -Dresnet4j.page.screenshot=docs/serving/page.png}.
 */
class ServePageTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void aPersonPicksOrDropsAnImageAndSeesTheTopFiveAsBars() throws Exception {
        Optional<Path> chromium = HeadlessChromium.find();
        assumeThat(chromium).as("headless Chromium is not installed (apt-get install chromium, or set"
                + " RESNET4J_CHROMIUM): the page is not exercised").isPresent();
        String weights = System.getProperty("resnet4j.page.weights");
        Predictor predictor = weights == null ? TestImages.cifarPredictor()
                : Predictor.load(Path.of(weights), null, DatasetKind.CIFAR10);
        Path image = System.getProperty("resnet4j.page.image") != null
                ? Path.of(System.getProperty("resnet4j.page.image"))
                : Files.write(dir.resolve("cifar-7.png"), TestImages.png(TestImages.cifar(7)));

        try (PredictionServer server = PredictionServer.start(predictor, ServerConfig.defaults().withPort(0));
                HeadlessChromium browser = HeadlessChromium.start(chromium.get(), 760, 620)) {
            HttpResponse<String> direct = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    server.uri().resolve("/predict?k=5")).header("Content-Type", "image/png")
                    .POST(HttpRequest.BodyPublishers.ofFile(image)).build(), HttpResponse.BodyHandlers.ofString());
            JsonNode expected = JSON.readTree(direct.body()).get("top");

            browser.navigate(server.uri().toString());
            browser.waitFor("document.getElementById('model').textContent.includes('"
                    + predictor.model().options().name() + "')", Duration.ofSeconds(30));
            assertThat(browser.eval("document.getElementById('model').textContent").asText())
                    .contains("10 classes", "3×32×32 input");

            browser.pickFiles("#file", List.of(image));
            browser.waitFor("document.body.dataset.state === 'done' || document.body.dataset.state === 'error'",
                    Duration.ofSeconds(60));
            assertThat(browser.eval("document.getElementById('status').textContent").asText())
                    .contains(image.getFileName().toString());
            JsonNode rows = rows(browser);
            assertThat(rows).hasSize(5);
            for (int i = 0; i < 5; i++) {
                String pct = String.format(Locale.ROOT, "%.1f%%", 100 * expected.get(i).get("probability").asDouble());
                assertThat(rows.get(i).get(0).asText()).isEqualTo(expected.get(i).get("class").asText());
                assertThat(rows.get(i).get(1).asText()).isEqualTo(pct);
                double width = Double.parseDouble(rows.get(i).get(2).asText().replace("%", ""));
                assertThat(width).as("bar width").isCloseTo(100 * expected.get(i).get("probability").asDouble(),
                        org.assertj.core.api.Assertions.within(0.051));
            }
            assertThat(browser.eval("document.getElementById('preview').naturalWidth").asInt()).isPositive();
            byte[] png = browser.screenshot();
            Files.createDirectories(Path.of("target"));
            Files.write(Path.of("target", "serve-page.png"), png);
            String keep = System.getProperty("resnet4j.page.screenshot");
            if (keep != null) {
                Files.createDirectories(Path.of(keep).toAbsolutePath().getParent());
                Files.write(Path.of(keep), png);
            }

            // dropped rather than picked: an image drawn in the page itself
            browser.eval("new Promise(done => { const c = document.createElement('canvas'); c.width = c.height = 40;"
                    + " const g = c.getContext('2d'); g.fillStyle = '#3a7'; g.fillRect(0, 0, 40, 40);"
                    + " g.fillStyle = '#fff'; g.fillRect(10, 10, 20, 20); c.toBlob(b => {"
                    + " const t = new DataTransfer(); t.items.add(new File([b], 'drawn.png', {type: 'image/png'}));"
                    + " document.getElementById('drop').dispatchEvent(new DragEvent('drop', {dataTransfer: t,"
                    + " bubbles: true, cancelable: true})); done(true); }, 'image/png'); })");
            browser.waitFor("document.getElementById('status').textContent.startsWith('drawn.png')",
                    Duration.ofSeconds(60));
            assertThat(rows(browser)).hasSize(5);

            // not an image, whatever its name says: the server's error, in the page
            Path notes = Files.writeString(dir.resolve("notes.png"), "shopping list: milk, eggs");
            browser.pickFiles("#file", List.of(notes));
            browser.waitFor("document.body.dataset.state === 'error'", Duration.ofSeconds(60));
            assertThat(browser.eval("document.getElementById('status').textContent").asText())
                    .contains("not an image");
            assertThat(rows(browser)).isEmpty();
        }
    }

    /** Each row of the result list: the class, the percentage shown, and the width of its bar. */
    private static JsonNode rows(HeadlessChromium browser) throws Exception {
        return JSON.readTree(browser.eval("JSON.stringify([...document.querySelectorAll('#top li')].map(li =>"
                + " [li.querySelector('.name').textContent, li.querySelector('.pct').textContent,"
                + " li.querySelector('.fill').style.width]))").asText());
    }
}
