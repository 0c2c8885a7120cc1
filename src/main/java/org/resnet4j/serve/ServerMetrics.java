package org.resnet4j.serve;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Set;
import java.util.function.IntSupplier;

import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;

import org.eclipse.jetty.server.Request;

/**
 * The server's Prometheus metrics, in a registry of its own (several servers may share a JVM): requests by path and
 * status, prediction latency, batch sizes and forward-pass time, and the queue's length.
 */
final class ServerMetrics implements BatchingPredictor.Listener {
    /** nginx's code for a client that closed the connection before the response; never sent, only counted. */
    static final int CLIENT_CLOSED = 499;
    private static final String COUNTED = ServerMetrics.class.getName() + ".counted";
    private static final Set<String> PATHS = Set.of("/", "/predict", "/health", "/metrics", "/page.css", "/page.js");

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
    private final Counter requests = Counter.builder().name("resnet4j_http_requests_total")
            .help("HTTP requests by path and status code (499: the client closed the connection first)")
            .labelNames("path", "code").register(registry);
    private final Histogram latency = Histogram.builder().name("resnet4j_predict_duration_seconds").unit(Unit.SECONDS)
            .help("POST /predict from the request's headers to its response, successful or not")
            .classicOnly().classicUpperBounds(.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10)
            .register(registry);
    private final Histogram batchSize = Histogram.builder().name("resnet4j_batch_size")
            .help("images per forward pass").classicOnly()
            .classicUpperBounds(1, 2, 4, 8, 16, 32, 64, 128, 256, 512).register(registry);
    private final Histogram batchSeconds = Histogram.builder().name("resnet4j_batch_duration_seconds")
            .unit(Unit.SECONDS).help("time of one forward pass, softmax and top-k").classicOnly()
            .classicUpperBounds(.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5).register(registry);

    void watchPending(IntSupplier pending) {
        GaugeWithCallback.builder().name("resnet4j_pending_requests")
                .help("requests handed to the batcher and not yet answered")
                .callback(cb -> cb.call(pending.getAsInt())).register(registry);
    }

    /** Counts {@code request}'s outcome once: an error Jetty handles after the server answered is not counted again. */
    void request(Request request, int code) {
        if (request.getAttribute(COUNTED) == null) {
            request.setAttribute(COUNTED, Boolean.TRUE);
            count(Request.getPathInContext(request), code);
        }
    }

    /** Counts a request too broken to become a {@link Request}. */
    void count(String path, int code) {
        requests.labelValues(PATHS.contains(path) ? path : "other", Integer.toString(code)).inc();
    }

    void predictLatency(long nanos) {
        latency.observe(nanos / 1e9);
    }

    @Override
    public void onBatch(int size, long nanos) {
        batchSize.observe(size);
        batchSeconds.observe(nanos / 1e9);
    }

    String contentType() {
        return writer.getContentType();
    }

    void write(OutputStream out) throws IOException {
        writer.write(out, registry.scrape(), EscapingScheme.DEFAULT);
    }
}
