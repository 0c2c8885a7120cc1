package org.resnet4j.data;

/** An image that could not be read or decoded, under {@code --on-bad-image fail}: the file and the reason. */
public final class BadImageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public BadImageException(String message, Throwable cause) {
        super(message, cause);
    }
}
