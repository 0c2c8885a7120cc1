package org.resnet4j.data.download;

import java.io.IOException;

/** A download that failed or whose file is not the published one; the message says what to do instead. */
public class DownloadException extends IOException {
    private static final long serialVersionUID = 1L;

    public DownloadException(String message, Throwable cause) {
        super(message, cause);
    }

    public DownloadException(String message) {
        super(message);
    }
}
