package dev.tandem.testdata;

/**
 * The AUC of scores in [0, 1] against labels, in constant memory: scores fall into 2^20 bins,
 * pairs within a bin count one half (the error is below 1e-5 for the generator's probabilities).
 */
final class BinnedAuc {
  private static final int BINS = 1 << 20;
  private final long[] positives = new long[BINS];
  private final long[] negatives = new long[BINS];

  void add(double score, boolean label) {
    int bin = (int) Math.min(BINS - 1, Math.max(0, score * BINS));
    if (label) {
      positives[bin]++;
    } else {
      negatives[bin]++;
    }
  }

  /** NaN when one class is absent. */
  double auc() {
    double wins = 0;
    long negativesBelow = 0;
    long pos = 0;
    long neg = 0;
    for (int i = 0; i < BINS; i++) {
      wins += positives[i] * (negativesBelow + negatives[i] / 2.0);
      negativesBelow += negatives[i];
      pos += positives[i];
      neg += negatives[i];
    }
    return pos == 0 || neg == 0 ? Double.NaN : wins / ((double) pos * neg);
  }
}
