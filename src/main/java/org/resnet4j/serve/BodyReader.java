package org.resnet4j.serve;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;

import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.EofException;

/**
 * Reads a request body into memory without blocking a thread while the client sends it (a slow client costs a
 * buffer, not a thread), refusing bodies over a limit as soon as they pass it. Completes with the bytes, or fails
 * with an {@link ApiError}: 413 too large; 408 too slow, when the client falls below a minimum average rate or sends
 * nothing for the connection's idle timeout; or {@link ServerMetrics#CLIENT_CLOSED} when the client went away.
 *
 * <p>Jetty's own {@code HttpConfiguration.setMinRequestDataRate} applies to servlet input streams only, so the rate
 * is checked here, the same way: bytes received against rate × time since the body was first asked for.
 */
final class BodyReader implements Runnable {
    private final Content.Source source;
    private final long maxBytes;
    private final long minBytesPerSecond;
    private final long start = System.nanoTime();
    private final ByteArrayOutputStream body;
    private final CompletableFuture<byte[]> result = new CompletableFuture<>();

    private BodyReader(Content.Source source, long declaredLength, long maxBytes, long minBytesPerSecond) {
        this.source = source;
        this.maxBytes = maxBytes;
        this.minBytesPerSecond = minBytesPerSecond;
        this.body = new ByteArrayOutputStream((int) Math.min(Math.max(declaredLength, 8192), maxBytes));
    }

    /** Reads {@code source}; a {@code minBytesPerSecond} of 0 sets no minimum rate. */
    static CompletableFuture<byte[]> read(Content.Source source, long maxBytes, long minBytesPerSecond) {
        BodyReader r = new BodyReader(source, source.getLength(), maxBytes, minBytesPerSecond);
        r.run();
        return r.result;
    }

    @Override
    public void run() {
        while (true) {
            Content.Chunk chunk = source.read();
            if (chunk == null) {
                source.demand(this);
                return;
            }
            if (Content.Chunk.isFailure(chunk)) {
                Throwable t = chunk.getFailure();
                source.fail(t); // a transient failure (an idle timeout) ends this body too
                result.completeExceptionally(mapFailure(t));
                return;
            }
            ByteBuffer b = chunk.getByteBuffer();
            if (body.size() + (long) b.remaining() > maxBytes) {
                chunk.release();
                refuse(tooLarge(maxBytes));
                return;
            }
            byte[] bytes = new byte[b.remaining()];
            b.get(bytes);
            body.write(bytes, 0, bytes.length);
            boolean last = chunk.isLast();
            chunk.release();
            if (last) {
                result.complete(body.toByteArray());
                return;
            }
            long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
            if (minBytesPerSecond > 0 && body.size() < minBytesPerSecond * elapsedMillis / 1000) {
                refuse(new ApiError(408, String.format(Locale.ROOT, "the body arrived too slowly: %,d bytes in %.1f s,"
                        + " under the minimum of %,d bytes/s", body.size(), elapsedMillis / 1e3, minBytesPerSecond)));
                return;
            }
        }
    }

    private void refuse(ApiError e) {
        source.fail(new HttpException.RuntimeException(e.status(), e.getMessage()));
        result.completeExceptionally(e);
    }

    static ApiError tooLarge(long maxBytes) {
        return new ApiError(413, String.format(Locale.ROOT, "the body is larger than the limit of %,d bytes",
                maxBytes));
    }

    private static ApiError mapFailure(Throwable t) {
        if (t instanceof TimeoutException) {
            return new ApiError(408, "the body stopped arriving (" + t.getMessage() + ")");
        }
        if (t instanceof EofException) {
            return new ApiError(ServerMetrics.CLIENT_CLOSED, "the client closed the connection while sending the body");
        }
        if (t instanceof HttpException h && h.getCode() >= 400 && h.getCode() < 500) {
            return new ApiError(h.getCode(), t.getMessage());
        }
        return new ApiError(ServerMetrics.CLIENT_CLOSED, "the client closed the connection while sending the body");
    }
}
