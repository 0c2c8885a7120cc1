package org.resnet4j.serve;

import java.nio.ByteBuffer;

import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * The errors Jetty answers itself (a malformed request, headers too large, a request refused while stopping) in the
 * server's own JSON shape, counted like the others.
 */
final class JsonErrorHandler extends ErrorHandler {
    private final ServerMetrics metrics;

    JsonErrorHandler(ServerMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    protected void generateResponse(Request request, Response response, int code, String message, Throwable cause,
            Callback callback) {
        metrics.request(request, code);
        String text = message != null && !message.isBlank() ? message : HttpStatus.getMessage(code);
        if (code == HttpStatus.SERVICE_UNAVAILABLE_503) {
            text = "the server is stopping";
            response.getHeaders().put(HttpHeader.CONNECTION, "close");
        }
        Json.write(response, code, Json.error(code, text), callback);
    }

    /** A request too broken to become a {@link Request} (bad request line, headers too large). */
    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        metrics.count("other", status);
        fields.put(HttpHeader.CONTENT_TYPE, Json.CONTENT_TYPE);
        String text = reason != null && !reason.isBlank() ? reason : HttpStatus.getMessage(status);
        return ByteBuffer.wrap(Json.bytes(Json.error(status, text)));
    }
}
