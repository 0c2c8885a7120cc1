package org.resnet4j.serve;

import java.time.Duration;

import org.resnet4j.data.ImageLimits;

/**
 * Everything the prediction server can be told, with its defaults and checks.
 *
 * @param host               the address to listen on; loopback unless told otherwise
 * @param port               0 for any free port
 * @param batching           how requests are grouped into forward passes
 * @param maxBodyBytes       larger request bodies are refused (413) without being read
 * @param maxPixels          images whose header declares more pixels are refused (413) before decoding
 * @param minRequestDataRate bytes per second a client must keep up while sending its body (408 below)
 * @param idleTimeout        a connection with nothing sent or received for this long is closed
 * @param stopTimeout        how long a graceful stop waits for requests in flight
 * @param decodeThreads      images decoded at once (each may briefly hold its full-size pixels)
 */
public record ServerConfig(String host, int port, BatchingPredictor.Policy batching, long maxBodyBytes,
        long maxPixels, long minRequestDataRate, Duration idleTimeout, Duration stopTimeout, int decodeThreads) {

    /**
     * Loopback, port 8080, batches of up to 32 within 5 ms, bodies up to 20 MiB, PIL's pixel limit (PIL warns above
     * it; a server has no one to read a warning, so it refuses), at least 1 KiB/s while a body is sent, 30 s idle, 30 s
     * for requests in flight at shutdown, one decoder per core.
     */
    public static ServerConfig defaults() {
        return new ServerConfig("127.0.0.1", 8080, BatchingPredictor.Policy.DEFAULT, 20L << 20,
                ImageLimits.DEFAULT_MAX_PIXELS, 1024, Duration.ofSeconds(30), Duration.ofSeconds(30),
                Runtime.getRuntime().availableProcessors());
    }

    public ServerConfig {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("the host must not be empty");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("the port must be 0..65535, got " + port);
        }
        positive("the body limit", maxBodyBytes);
        positive("the pixel limit", maxPixels);
        if (minRequestDataRate < 0) {
            throw new IllegalArgumentException("the minimum request data rate must not be negative, got "
                    + minRequestDataRate);
        }
        positive("the idle timeout", idleTimeout.toMillis());
        if (stopTimeout.isNegative()) {
            throw new IllegalArgumentException("the stop timeout must not be negative, got " + stopTimeout);
        }
        positive("the number of decoding threads", decodeThreads);
    }

    private static void positive(String what, long value) {
        if (value < 1) {
            throw new IllegalArgumentException(what + " must be at least 1, got " + value);
        }
    }

    public ServerConfig withHost(String h) {
        return new ServerConfig(h, port, batching, maxBodyBytes, maxPixels, minRequestDataRate, idleTimeout,
                stopTimeout, decodeThreads);
    }

    public ServerConfig withPort(int p) {
        return new ServerConfig(host, p, batching, maxBodyBytes, maxPixels, minRequestDataRate, idleTimeout,
                stopTimeout, decodeThreads);
    }

    public ServerConfig withBatching(BatchingPredictor.Policy b) {
        return new ServerConfig(host, port, b, maxBodyBytes, maxPixels, minRequestDataRate, idleTimeout, stopTimeout,
                decodeThreads);
    }

    public ServerConfig withMaxBodyBytes(long m) {
        return new ServerConfig(host, port, batching, m, maxPixels, minRequestDataRate, idleTimeout, stopTimeout,
                decodeThreads);
    }

    public ServerConfig withMaxPixels(long m) {
        return new ServerConfig(host, port, batching, maxBodyBytes, m, minRequestDataRate, idleTimeout, stopTimeout,
                decodeThreads);
    }

    public ServerConfig withMinRequestDataRate(long r) {
        return new ServerConfig(host, port, batching, maxBodyBytes, maxPixels, r, idleTimeout, stopTimeout,
                decodeThreads);
    }

    public ServerConfig withIdleTimeout(Duration t) {
        return new ServerConfig(host, port, batching, maxBodyBytes, maxPixels, minRequestDataRate, t, stopTimeout,
                decodeThreads);
    }

    public ServerConfig withStopTimeout(Duration t) {
        return new ServerConfig(host, port, batching, maxBodyBytes, maxPixels, minRequestDataRate, idleTimeout, t,
                decodeThreads);
    }

    public ServerConfig withDecodeThreads(int n) {
        return new ServerConfig(host, port, batching, maxBodyBytes, maxPixels, minRequestDataRate, idleTimeout,
                stopTimeout, n);
    }
}
