package org.resnet4j.data;

/** Bytes that no image reader recognises (a server answers 415 to these, 422 to a damaged image). */
public final class NotAnImageException extends DataFormatException {
    private static final long serialVersionUID = 1L;

    public NotAnImageException(String message) {
        super(message);
    }
}
