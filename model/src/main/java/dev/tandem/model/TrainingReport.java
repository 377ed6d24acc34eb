package dev.tandem.model;

import com.fasterxml.jackson.annotation.JsonProperty;
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

  /**
   * One pass over the training split, then the validation split scored. AUC is NaN without both
   * classes. An element of {@code metrics.json}'s {@code epochs} ({@link ModelMetrics}).
   */
  public record Epoch(
      @JsonProperty("epoch") int epoch,
      @JsonProperty("train_loss") double trainLoss,
      @JsonProperty("validation_auc") double validationAuc,
      @JsonProperty("validation_logloss") double validationLogLoss,
      @JsonProperty("examples_per_second") double examplesPerSecond,
      @JsonProperty("seconds") double seconds) {}

  /** A split scored by the kept weights; {@code nullLabels} rows had a NULL label, counted as 0. */
  public record Split(long rows, long positives, long nullLabels, double auc, double logLoss,
      Metrics.Interval aucInterval) {}

  /** The kept epoch. */
  public Epoch best() {
    return epochs.get(bestEpoch - 1);
  }
}
