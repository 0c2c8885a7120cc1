package org.resnet4j.train;

import java.util.Locale;

/**
 * One epoch's figures. Accuracies are fractions; validation figures are NaN without a validation split.
 */
public record MetricsRow(int epoch, double lr, double trainLoss, double trainAcc, double valLoss, double valAcc,
        double testLoss, double testAcc, double seconds, double imagesPerSecond) {

    public static final String CSV_HEADER = "epoch,lr,train_loss,train_acc,test_loss,test_acc,seconds,images_per_second";
    public static final String CSV_VAL = ",val_loss,val_acc";

    public boolean hasVal() {
        return !Double.isNaN(valAcc);
    }

    public String csv(boolean withVal) {
        String row = String.format(Locale.ROOT, "%d,%.6g,%.6f,%.6f,%.6f,%.6f,%.3f,%.1f", epoch, lr, trainLoss, trainAcc,
                testLoss, testAcc, seconds, imagesPerSecond);
        return withVal ? row + String.format(Locale.ROOT, ",%.6f,%.6f", valLoss, valAcc) : row;
    }

    /** The reference program's two lines for this epoch (and a third for validation, when there is one). */
    public String[] referenceLines(int epochs) {
        String train = String.format(Locale.ROOT, "Epoch [%d/%d], Loss: %.4f, Acc: %.2f%%", epoch, epochs, trainLoss,
                100 * trainAcc);
        String test = String.format(Locale.ROOT, "Test Loss: %.4f, Test Acc: %.2f%%", testLoss, 100 * testAcc);
        if (!hasVal()) {
            return new String[] {train, test};
        }
        String val = String.format(Locale.ROOT, "Val Loss: %.4f, Val Acc: %.2f%%", valLoss, 100 * valAcc);
        return new String[] {train, val, test};
    }
}
