package org.resnet4j.serve;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** A multipart/form-data body, as a browser's form upload sends it. */
final class Multipart {
    private final String boundary = "----resnet4j-test-boundary-7MA4YWxkTrZu0gW";
    private final ByteArrayOutputStream body = new ByteArrayOutputStream();
    private boolean closed;

    Multipart file(String field, String filename, String contentType, byte[] content) {
        head("Content-Disposition: form-data; name=\"" + field + "\"; filename=\"" + filename + "\"\r\n"
                + "Content-Type: " + contentType + "\r\n");
        body.writeBytes(content);
        body.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        return this;
    }

    Multipart text(String field, String value) {
        head("Content-Disposition: form-data; name=\"" + field + "\"\r\n");
        body.writeBytes((value + "\r\n").getBytes(StandardCharsets.UTF_8));
        return this;
    }

    private void head(String headers) {
        body.writeBytes(("--" + boundary + "\r\n" + headers + "\r\n").getBytes(StandardCharsets.UTF_8));
    }

    String contentType() {
        return "multipart/form-data; boundary=" + boundary;
    }

    byte[] bytes() {
        if (!closed) {
            body.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));
            closed = true;
        }
        return body.toByteArray();
    }
}
