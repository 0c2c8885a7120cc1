package org.resnet4j.serve;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Locale;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

import javax.imageio.ImageIO;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.MultiPart;
import org.eclipse.jetty.http.MultiPartConfig;
import org.eclipse.jetty.http.MultiPartFormData;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.EofException;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Attributes;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.resnet4j.data.DataFormatException;
import org.resnet4j.data.ImageHeader;
import org.resnet4j.data.NotAnImageException;
import org.resnet4j.eval.Predictor;

/**
 * {@code POST /predict}: an image as the raw body (an {@code image/*} or {@code application/octet-stream} content
 * type) or as the {@code image} (or {@code file}) field of a multipart form; answers the top-k classes as JSON.
 *
 * <p>The body is read without holding a thread, then decoded on a small pool of its own (which bounds how many
 * full-size images are in memory at once), prepared at the model's input size, and handed to the batcher.
 */
final class PredictEndpoint {
    static final int MAX_TOP_K = 1000;
    private static final int MAX_FORM_PARTS = 16;

    private final BatchingPredictor batcher;
    private final ServerConfig config;
    private final ExecutorService decoders;
    private final ServerMetrics metrics;

    PredictEndpoint(BatchingPredictor batcher, ServerConfig config, ExecutorService decoders, ServerMetrics metrics) {
        this.batcher = batcher;
        this.config = config;
        this.decoders = decoders;
        this.metrics = metrics;
    }

    private record Upload(byte[] bytes, String name) {
    }

    void handle(Request request, Response response, Callback callback) {
        long start = request.getHeadersNanoTime();
        int k;
        boolean multipart;
        try {
            k = topK(request);
            multipart = checkContentType(request.getHeaders().get(HttpHeader.CONTENT_TYPE));
            long length = request.getLength();
            if (length > config.maxBodyBytes()) {
                throw BodyReader.tooLarge(config.maxBodyBytes());
            }
            if (length == 0) {
                throw emptyBody();
            }
        } catch (ApiError e) {
            fail(request, response, callback, start, e);
            return;
        }
        String contentType = request.getHeaders().get(HttpHeader.CONTENT_TYPE);
        // a client silent while it sends its body is stalled (408); silent while the server computes, it is waiting
        AtomicBoolean bodyRead = new AtomicBoolean();
        request.addIdleTimeoutListener(t -> !bodyRead.get());
        BodyReader.read(request, config.maxBodyBytes(), config.minRequestDataRate()).thenApply(body -> {
            bodyRead.set(true);
            return body;
        }).thenAcceptAsync(body -> {
            try {
                Upload upload = multipart ? formField(body, contentType) : new Upload(body, "the body");
                byte[] prepared = prepare(upload);
                CompletableFuture<Predictor.Prediction> result = batcher.submit(prepared, k);
                request.addFailureListener(t -> result.cancel(false)); // gone before its batch: left out of it
                result.whenComplete((p, t) -> {
                    if (t == null) {
                        metrics.request(request, 200);
                        metrics.predictLatency(System.nanoTime() - start);
                        Json.write(response, 200, answer(p), callback);
                    } else {
                        fail(request, response, callback, start, apiError(t));
                    }
                });
            } catch (ApiError e) {
                fail(request, response, callback, start, e);
            }
        }, decoders).exceptionally(t -> {
            fail(request, response, callback, start, apiError(t));
            return null;
        });
    }

    /** The {@code k} query parameter: 1 to {@value #MAX_TOP_K}, 5 when absent; more than the classes gives all. */
    private static int topK(Request request) throws ApiError {
        Fields query = Request.extractQueryParameters(request);
        String v = query.getValue("k");
        if (v == null) {
            return 5;
        }
        try {
            int k = Integer.parseInt(v.strip());
            if (k >= 1 && k <= MAX_TOP_K) {
                return k;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw new ApiError(400, "k must be a whole number from 1 to " + MAX_TOP_K + ", got '" + v + "'");
    }

    /** True for a multipart form, false for a raw image body; anything else is a 415. */
    private static boolean checkContentType(String contentType) throws ApiError {
        String type = contentType == null ? "" : contentType.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
        if (type.equals("multipart/form-data")) {
            return true;
        }
        if (type.startsWith("image/") || type.equals("application/octet-stream")) {
            return false;
        }
        throw new ApiError(415, (contentType == null ? "no Content-Type" : "Content-Type '" + contentType + "'")
                + ": send the image as the body with its image type (for example image/png) or as the 'image' field"
                + " of a multipart/form-data form");
    }

    private static ApiError emptyBody() {
        return new ApiError(400, "the body is empty: send an image (PNG, JPEG, BMP or GIF)");
    }

    /** The image field of a multipart form held in memory: {@code image}, else {@code file}, else the only file. */
    private Upload formField(byte[] body, String contentType) throws ApiError {
        String boundary = MultiPart.extractBoundary(contentType);
        if (boundary == null) {
            throw new ApiError(400, "the multipart/form-data Content-Type names no boundary");
        }
        MultiPartConfig limits = new MultiPartConfig.Builder().maxParts(MAX_FORM_PARTS)
                .maxSize(config.maxBodyBytes()).maxPartSize(config.maxBodyBytes())
                .maxMemoryPartSize(config.maxBodyBytes()) // never to temporary files: the body is in memory already
                .useFilesForPartsWithoutFileName(false).build();
        try (MultiPartFormData.Parts parts = MultiPartFormData.getParts(Content.Source.from(ByteBuffer.wrap(body)),
                new Attributes.Mapped(), contentType, limits)) {
            MultiPart.Part part = parts.getFirst("image");
            if (part == null) {
                part = parts.getFirst("file");
            }
            if (part == null) {
                var files = java.util.stream.StreamSupport.stream(parts.spliterator(), false)
                        .filter(p -> p.getFileName() != null).toList();
                part = files.size() == 1 ? files.get(0) : null;
            }
            if (part == null) {
                throw new ApiError(400, "the form has no 'image' field (nor 'file', nor a single file)");
            }
            ByteBuffer content = Content.Source.asByteBuffer(part.createContentSource());
            byte[] bytes = new byte[content.remaining()];
            content.get(bytes);
            String name = part.getFileName() != null && !part.getFileName().isBlank()
                    ? "'" + part.getFileName() + "'" : "the form's '" + part.getName() + "' field";
            return new Upload(bytes, name);
        } catch (IOException | RuntimeException e) {
            throw new ApiError(400, "not a readable multipart form: " + e.getMessage());
        }
    }

    /** Header check, decode and resize: what leaves here is a few kilobytes whatever the upload was. */
    private byte[] prepare(Upload upload) throws ApiError {
        if (upload.bytes().length == 0) {
            throw emptyBody();
        }
        try {
            ImageHeader h = ImageHeader.read(upload.bytes(), upload.bytes().length, upload.name());
            if (h.pixels() > config.maxPixels()) {
                throw new ApiError(413, String.format(Locale.ROOT, "%s: the image is %dx%d, %,d pixels, over the"
                        + " limit of %,d (refused before decoding)", upload.name(), h.width(), h.height(), h.pixels(),
                        config.maxPixels()));
            }
        } catch (NotAnImageException e) {
            throw new ApiError(415, e.getMessage());
        } catch (IOException e) {
            throw new ApiError(422, e.getMessage());
        }
        BufferedImage image;
        try {
            image = ImageIO.read(new ByteArrayInputStream(upload.bytes()));
        } catch (IOException | RuntimeException e) {
            throw new ApiError(422, upload.name() + ": a damaged or truncated image (" + e.getMessage() + ")");
        } catch (OutOfMemoryError e) {
            throw new ApiError(413, upload.name() + ": the image is too large to decode in the memory available");
        }
        if (image == null) {
            throw new ApiError(415, upload.name() + ": not an image in a readable format (PNG, JPEG, BMP or GIF)");
        }
        try {
            return batcher.predictor().prepare(image);
        } catch (OutOfMemoryError e) {
            throw new ApiError(413, upload.name() + ": the image is too large to resize in the memory available");
        }
    }

    private static ObjectNode answer(Predictor.Prediction p) {
        ObjectNode o = Json.object();
        ArrayNode top = o.putArray("top");
        p.top().forEach(s -> top.addObject().put("class", s.name()).put("index", s.index())
                .put("probability", s.probability()));
        return o;
    }

    private static ApiError apiError(Throwable t) {
        Throwable c = t;
        while ((c instanceof CompletionException || c instanceof ExecutionException) && c.getCause() != null) {
            c = c.getCause();
        }
        if (c instanceof ApiError e) {
            return e;
        }
        if (c instanceof RejectedExecutionException) {
            return new ApiError(503, "the server is busy or stopping (" + c.getMessage() + "); try again");
        }
        if (c instanceof CancellationException) {
            return new ApiError(ServerMetrics.CLIENT_CLOSED, "the client went away before its prediction");
        }
        if (c instanceof DataFormatException) {
            return new ApiError(422, c.getMessage());
        }
        return new ApiError(500, "prediction failed: " + (c.getMessage() == null ? c.getClass().getSimpleName()
                : c.getMessage().strip().lines().findFirst().orElse("")));
    }

    private void fail(Request request, Response response, Callback callback, long start, ApiError e) {
        metrics.request(request, e.status());
        metrics.predictLatency(System.nanoTime() - start);
        if (e.status() == ServerMetrics.CLIENT_CLOSED) {
            callback.failed(new EofException(e.getMessage())); // quiet: nothing to answer, nothing to log
            return;
        }
        if (e.status() == 413 || e.status() == 408) {
            response.getHeaders().put(HttpHeader.CONNECTION, "close"); // the rest of the body is not worth reading
        }
        if (e.status() == 503) {
            response.getHeaders().put(HttpHeader.RETRY_AFTER, "1");
        }
        Json.write(response, e.status(), Json.error(e.status(), e.getMessage()), callback);
    }
}
