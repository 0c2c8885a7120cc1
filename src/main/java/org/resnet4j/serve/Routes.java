package org.resnet4j.serve;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Map;

import com.fasterxml.jackson.databind.node.ObjectNode;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.resnet4j.eval.Predictor;

/** The server's paths: the page and its two files, {@code /predict}, {@code /health} and {@code /metrics}. */
final class Routes extends Handler.Abstract {
    /** The page uses only what it is served from here: no other origin, no inline script or style. */
    private static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self';"
            + " img-src 'self' blob:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private record Asset(byte[] bytes, String contentType) {
    }

    private static final Map<String, Asset> PAGE = Map.of(
            "/", asset("index.html", "text/html; charset=utf-8"),
            "/page.css", asset("page.css", "text/css; charset=utf-8"),
            "/page.js", asset("page.js", "text/javascript; charset=utf-8"));

    private final PredictEndpoint predict;
    private final BatchingPredictor batcher;
    private final ServerMetrics metrics;

    Routes(PredictEndpoint predict, BatchingPredictor batcher, ServerMetrics metrics) {
        this.predict = predict;
        this.batcher = batcher;
        this.metrics = metrics;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws IOException {
        String path = Request.getPathInContext(request);
        String method = request.getMethod();
        boolean get = HttpMethod.GET.is(method) || HttpMethod.HEAD.is(method);
        if (path.equals("/predict")) {
            if (HttpMethod.POST.is(method)) {
                predict.handle(request, response, callback);
            } else {
                response.getHeaders().put(HttpHeader.ALLOW, "POST");
                error(request, response, callback, 405, "use POST to send an image to /predict");
            }
            return true;
        }
        if (!get && (PAGE.containsKey(path) || path.equals("/health") || path.equals("/metrics"))) {
            response.getHeaders().put(HttpHeader.ALLOW, "GET, HEAD");
            error(request, response, callback, 405, path + " answers GET only");
            return true;
        }
        if (path.equals("/health")) {
            metrics.request(request, 200);
            Json.write(response, 200, health(), callback);
        } else if (path.equals("/metrics")) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            metrics.request(request, 200); // counted before the scrape, so a scrape sees itself
            metrics.write(out);
            response.setStatus(200);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, metrics.contentType());
            response.write(true, ByteBuffer.wrap(out.toByteArray()), callback);
        } else if (PAGE.containsKey(path)) {
            Asset a = PAGE.get(path);
            metrics.request(request, 200);
            response.setStatus(200);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, a.contentType());
            response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
            response.getHeaders().put("Content-Security-Policy", CONTENT_SECURITY_POLICY);
            response.getHeaders().put("X-Content-Type-Options", "nosniff");
            response.write(true, ByteBuffer.wrap(a.bytes()), callback);
        } else {
            error(request, response, callback, 404, "no such path: " + path
                    + " (the server answers /, /predict, /health and /metrics)");
        }
        return true;
    }

    private ObjectNode health() {
        Predictor p = batcher.predictor();
        ObjectNode o = Json.object().put("status", "ok").put("model", p.model().options().name());
        p.classNames().forEach(o.putArray("classes")::add);
        o.putObject("input").put("channels", p.preprocessing().channels()).put("height", p.preprocessing().height())
                .put("width", p.preprocessing().width());
        o.putObject("batching").put("max_batch_size", batcher.policy().maxBatchSize())
                .put("max_wait_ms", batcher.policy().maxWait().toNanos() / 1e6).put("pending", batcher.pending());
        return o;
    }

    private void error(Request request, Response response, Callback callback, int status, String message) {
        metrics.request(request, status);
        Json.write(response, status, Json.error(status, message), callback);
    }

    private static Asset asset(String name, String contentType) {
        try (InputStream in = Routes.class.getResourceAsStream("page/" + name)) {
            if (in == null) {
                throw new IllegalStateException("the server's page is missing from the jar: " + name);
            }
            return new Asset(in.readAllBytes(), contentType);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
