package org.resnet4j.train;

/** The loss became NaN or infinite; the last good checkpoint is left as it was. */
public class DivergenceException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public DivergenceException(String message) {
        super(message);
    }
}
