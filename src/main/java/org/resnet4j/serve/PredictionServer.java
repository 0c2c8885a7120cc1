package org.resnet4j.serve;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.channels.ServerSocketChannel;
import java.util.Collections;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.resnet4j.eval.Predictor;

/**
 * An HTTP server for a trained model (Jetty): {@code POST /predict} answers an image's top-k classes as JSON,
 * batching concurrent requests into shared forward passes; {@code GET /health}; {@code GET /metrics} in Prometheus'
 * text format; and a page at {@code /} where a person drops an image and sees its top-5.
 *
 * <pre>{@code
 * try (PredictionServer s = PredictionServer.start(Predictor.load(weights, null, DatasetKind.CIFAR10),
 *         ServerConfig.defaults().withPort(0))) {
 *     System.out.println(s.uri());
 *     s.join();
 * }
 * }</pre>
 *
 * <p>{@link #stop()} is graceful: the server stops accepting connections, answers new requests on open ones with
 * 503, and waits up to {@link ServerConfig#stopTimeout()} for requests in flight, which the batcher still serves.
 */
public final class PredictionServer implements AutoCloseable {
    /** Decodes that may wait for a thread, beyond those running; more are answered 503 at once. */
    private static final int DECODE_QUEUE = 256;

    private final Server server;
    private final ServerConnector connector;
    private final BatchingPredictor batcher;
    private final ThreadPoolExecutor decoders;
    private final ServerConfig config;

    private PredictionServer(Predictor predictor, ServerConfig config) {
        this.config = config;
        ServerMetrics metrics = new ServerMetrics();
        this.batcher = new BatchingPredictor(predictor, config.batching(), metrics);
        metrics.watchPending(batcher::pending);
        AtomicInteger decoderNumber = new AtomicInteger();
        this.decoders = new ThreadPoolExecutor(config.decodeThreads(), config.decodeThreads(), 30, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(DECODE_QUEUE), r -> {
                    Thread t = new Thread(r, "resnet4j-decode-" + decoderNumber.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        QueuedThreadPool threads = new QueuedThreadPool();
        threads.setName("resnet4j-http");
        this.server = new Server(threads);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        this.connector = new ServerConnector(server, new HttpConnectionFactory(http));
        connector.setHost(config.host());
        connector.setPort(config.port());
        connector.setIdleTimeout(config.idleTimeout().toMillis());
        server.addConnector(connector);
        PredictEndpoint predict = new PredictEndpoint(batcher, config, decoders, metrics);
        server.setHandler(new GracefulHandler(new Routes(predict, batcher, metrics)));
        server.setErrorHandler(new JsonErrorHandler(metrics));
        server.setStopTimeout(config.stopTimeout().toMillis());
        server.setStopAtShutdown(false); // the caller decides when to stop (the command does on SIGTERM)
    }

    /**
     * Starts a server for {@code predictor}; it owns the batcher and the threads it starts. One forward pass at the
     * smallest and the largest batch size first, so that the first clients do not wait for libtorch's set-up.
     */
    public static PredictionServer start(Predictor predictor, ServerConfig config) throws Exception {
        for (int n : new int[] {1, config.batching().maxBatchSize()}) {
            predictor.predictPrepared(Collections.nCopies(n, new byte[predictor.inputBytes()]), 1);
        }
        PredictionServer s = new PredictionServer(predictor, config);
        try {
            s.server.start();
        } catch (Exception e) {
            s.close();
            throw e;
        }
        return s;
    }

    /** The port it listens on (the one chosen when the configuration said 0). */
    public int port() {
        return connector.getLocalPort();
    }

    /** The address and port it listens on. */
    public InetSocketAddress address() throws IOException {
        return (InetSocketAddress) ((ServerSocketChannel) connector.getTransport()).getLocalAddress();
    }

    public URI uri() {
        String host = config.host().contains(":") ? "[" + config.host() + "]" : config.host();
        return URI.create("http://" + host + ":" + port() + "/");
    }

    public ServerConfig config() {
        return config;
    }

    public BatchingPredictor batcher() {
        return batcher;
    }

    /** Waits until the server has stopped. */
    public void join() throws InterruptedException {
        server.join();
    }

    /**
     * Stops gracefully: no new connections, 503 for new requests, requests in flight answered (for up to the stop
     * timeout), then the batcher and the decoders end.
     */
    public void stop() throws Exception {
        try {
            server.stop();
        } finally {
            decoders.shutdown();
            decoders.awaitTermination(config.stopTimeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
            batcher.close();
        }
    }

    @Override
    public void close() throws Exception {
        stop();
    }
}
