package org.resnet4j.io;

/** Weights that do not fit the model they are loaded into; the message names every offending key. */
public class WeightsMismatchException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient LoadReport report;

    public WeightsMismatchException(LoadReport report) {
        super(report.describe());
        this.report = report;
    }

    public LoadReport report() {
        return report;
    }
}
