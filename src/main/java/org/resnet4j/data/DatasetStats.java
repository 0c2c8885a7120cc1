package org.resnet4j.data;

/** Images per class and per-channel pixel mean and std (on the [0, 1] scale), as a Normalize needs them. */
public record DatasetStats(int size, int[] perClass, double[] mean, double[] std) {

    public static DatasetStats of(Dataset d) {
        int c = d.channels();
        int plane = d.height() * d.width();
        long[] sum = new long[c];
        long[] sq = new long[c];
        int[] perClass = new int[d.numClasses()];
        byte[] img = new byte[d.imageBytes()];
        for (int i = 0; i < d.size(); i++) {
            perClass[d.label(i)]++;
            d.copyImage(i, img, 0);
            for (int ch = 0, p = 0; ch < c; ch++) {
                long s = 0;
                long q = 0;
                for (int k = 0; k < plane; k++, p++) {
                    int v = img[p] & 0xff;
                    s += v;
                    q += v * v;
                }
                sum[ch] += s;
                sq[ch] += q;
            }
        }
        double n = (double) d.size() * plane;
        double[] mean = new double[c];
        double[] std = new double[c];
        for (int ch = 0; ch < c; ch++) {
            double m = sum[ch] / n;
            mean[ch] = m / 255;
            std[ch] = Math.sqrt(Math.max(0, sq[ch] / n - m * m)) / 255;
        }
        return new DatasetStats(d.size(), perClass, mean, std);
    }
}
