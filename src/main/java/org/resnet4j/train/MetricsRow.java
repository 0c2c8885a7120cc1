package org.resnet4j.train;

import java.util.Locale;

/**
 * One epoch's figures. Accuracies are fractions; validation figures are NaN without a validation split, and the
 * moving average's test figures null without {@code --ema-decay}.
 */
public record MetricsRow(int epoch, double lr, double trainLoss, double trainAcc, double valLoss, double valAcc,
        double testLoss, double testAcc, double seconds, double imagesPerSecond, Double emaTestLoss,
        Double emaTestAcc) {

    public MetricsRow(int epoch, double lr, double trainLoss, double trainAcc, double valLoss, double valAcc,
            double testLoss, double testAcc, double seconds, double imagesPerSecond) {
        this(epoch, lr, trainLoss, trainAcc, valLoss, valAcc, testLoss, testAcc, seconds, imagesPerSecond, null, null);
    }

    public static final String CSV_HEADER = "epoch,lr,train_loss,train_acc,test_loss,test_acc,seconds,images_per_second";
    public static final String CSV_VAL = ",val_loss,val_acc";
    public static final String CSV_EMA = ",ema_test_loss,ema_test_acc";

    public boolean hasVal() {
        return !Double.isNaN(valAcc);
    }

    public boolean hasEma() {
        return emaTestAcc != null;
    }

    /** The row in CSV, with the validation and EMA columns when the file has them. */
    public String csv(boolean withVal, boolean withEma) {
        String row = csv(withVal);
        return withEma ? row + String.format(Locale.ROOT, ",%.6f,%.6f", hasEma() ? emaTestLoss : Double.NaN,
                hasEma() ? emaTestAcc : Double.NaN) : row;
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
        if (hasEma()) {
            String ema = String.format(Locale.ROOT, "EMA Test Loss: %.4f, EMA Test Acc: %.2f%%", emaTestLoss,
                    100 * emaTestAcc);
            return hasVal() ? new String[] {train, valLine(), test, ema} : new String[] {train, test, ema};
        }
        if (!hasVal()) {
            return new String[] {train, test};
        }
        return new String[] {train, valLine(), test};
    }

    private String valLine() {
        return String.format(Locale.ROOT, "Val Loss: %.4f, Val Acc: %.2f%%", valLoss, 100 * valAcc);
    }
}
