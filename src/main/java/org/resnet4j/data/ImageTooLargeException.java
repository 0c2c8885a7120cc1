package org.resnet4j.data;

/** An image whose header declares more pixels than {@link ImageLimits} allows; refused before any decoding. */
public final class ImageTooLargeException extends DataFormatException {
    private static final long serialVersionUID = 1L;

    private final long width;
    private final long height;

    public ImageTooLargeException(String message, long width, long height) {
        super(message);
        this.width = width;
        this.height = height;
    }

    public long width() {
        return width;
    }

    public long height() {
        return height;
    }
}
