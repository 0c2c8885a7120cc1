package org.resnet4j.dist;

/**
 * A collective could not complete because another rank failed, ended or stopped answering; the message names the
 * rank and why, as far as the survivors can tell.
 */
public final class PeerLostException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public PeerLostException(String message, Throwable cause) {
        super(message, cause);
    }

    /** The same failure with {@code hint} (what the caller's state is now) appended to the message. */
    public PeerLostException withHint(String hint) {
        return new PeerLostException(getMessage() + "; " + hint, getCause());
    }
}
