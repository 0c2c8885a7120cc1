package org.resnet4j.data;

import java.io.IOException;

/** A data file that is not what its kind promises; the message names the file and, where it applies, the record. */
public class DataFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    public DataFormatException(String message) {
        super(message);
    }

    public DataFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
