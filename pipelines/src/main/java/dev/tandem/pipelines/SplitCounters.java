package dev.tandem.pipelines;

import dev.tandem.beam.TandemTrainingSet;
import dev.tandem.model.Splits;
import dev.tandem.model.TrainingSetMetadata;
import dev.tandem.spec.FeatureSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A training-set job's per-split counters (rows and positives of train, validation and test), as
 * the model module's {@link TrainingSetMetadata} (the metadata file's one contract, which the
 * trainer reads) and as a progress line.
 */
final class SplitCounters {
  private SplitCounters() {}

  /** The metadata file of a training set built by {@code kind} with these counters. */
  static String json(FeatureSpec spec, OfflineJob.Kind kind, Map<String, Long> counters) {
    return TrainingSetMetadata.of(spec, TandemTrainingSet.MODEL_IDS, kind.validationFrom(),
        kind.testFrom(), new Splits<>(counts(counters, "train"), counts(counters, "validation"),
            counts(counters, "test"))).toJson();
  }

  private static TrainingSetMetadata.SplitCounts counts(Map<String, Long> counters, String split) {
    return TrainingSetMetadata.SplitCounts.of(counters.getOrDefault("rows: " + split, 0L),
        counters.getOrDefault("positives: " + split, 0L));
  }

  /** {@code train N rows (P positive), validation ..., test ...}. */
  static String splitLine(Map<String, Long> counters) {
    List<String> parts = new ArrayList<>();
    for (String split : TandemTrainingSet.SPLITS) {
      parts.add(String.format(Locale.ROOT, "%s %,d rows (%,d positive)", split, counters.getOrDefault("rows: " + split, 0L),
          counters.getOrDefault("positives: " + split, 0L)));
    }
    return String.join(", ", parts);
  }
}
