package dev.tandem.pipelines;

import dev.tandem.beam.TandemTrainingSet;
import dev.tandem.model.Splits;
import dev.tandem.spec.FeatureSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The training set's metadata file from a finished job's counters: the model module's
 * {@link dev.tandem.model.TrainingSetMetadata} (the file's one contract, which the trainer reads)
 * with the spec, the split cut points, and per split the rows and positives the job counted.
 */
final class TrainingSetMetadata {
  private TrainingSetMetadata() {}

  static String json(FeatureSpec spec, OfflineJob.Kind kind, Map<String, Long> counters) {
    return dev.tandem.model.TrainingSetMetadata.of(spec, TandemTrainingSet.MODEL_IDS, kind.validationFrom(),
        kind.testFrom(), new Splits<>(counts(counters, "train"), counts(counters, "validation"),
            counts(counters, "test"))).toJson();
  }

  private static dev.tandem.model.TrainingSetMetadata.SplitCounts counts(Map<String, Long> counters, String split) {
    return dev.tandem.model.TrainingSetMetadata.SplitCounts.of(counters.getOrDefault("rows: " + split, 0L),
        counters.getOrDefault("positives: " + split, 0L));
  }

  static String splitLine(Map<String, Long> counters) {
    List<String> parts = new ArrayList<>();
    for (String split : TandemTrainingSet.SPLITS) {
      parts.add(String.format(Locale.ROOT, "%s %,d rows (%,d positive)", split, counters.getOrDefault("rows: " + split, 0L),
          counters.getOrDefault("positives: " + split, 0L)));
    }
    return String.join(", ", parts);
  }
}
