package dev.tandem.model;

import java.nio.file.Path;
import java.util.List;

/**
 * What a training run did: per epoch figures, which epoch's weights were kept, and the test
 * split's figures for those weights.
 */
public record TrainingReport(Path modelDir, List<Epoch> epochs, int bestEpoch, boolean stoppedEarly, Split test) {

  public TrainingReport {
    epochs = List.copyOf(epochs);
  }

  /** One pass over the training split, then the validation split scored. AUC is NaN without both classes. */
  public record Epoch(int epoch, double trainLoss, double validationAuc, double validationLogLoss,
      double examplesPerSecond, double seconds) {}

  /** A split scored by the kept weights; {@code nullLabels} rows had a NULL label, counted as 0. */
  public record Split(long rows, long positives, long nullLabels, double auc, double logLoss,
      Metrics.Interval aucInterval) {}

  /** The kept epoch. */
  public Epoch best() {
    return epochs.get(bestEpoch - 1);
  }
}
