package org.resnet4j.io;

import java.io.IOException;

/** A weights file that is not what it claims to be: truncated, corrupt, or of an unsupported kind. */
public class WeightsFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    public WeightsFormatException(String message) {
        super(message);
    }

    public WeightsFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
