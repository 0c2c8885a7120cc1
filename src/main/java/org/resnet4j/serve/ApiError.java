package org.resnet4j.serve;

/** A request the server answers with an HTTP error status and a one-line JSON message. */
final class ApiError extends Exception {
    private static final long serialVersionUID = 1L;
    private final int status;

    ApiError(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    int status() {
        return status;
    }
}
