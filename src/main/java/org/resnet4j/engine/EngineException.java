package org.resnet4j.engine;

/** libtorch could not be loaded or refused an operation; the message is meant for the user. */
public class EngineException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public EngineException(String message, Throwable cause) {
        super(message, cause);
    }

    public EngineException(String message) {
        super(message);
    }
}
