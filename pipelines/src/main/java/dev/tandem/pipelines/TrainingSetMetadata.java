package dev.tandem.pipelines;

import dev.tandem.beam.TandemTrainingSet;
import dev.tandem.spec.FeatureDef;
import dev.tandem.spec.FeatureSpec;
import dev.tandem.spec.ModelDef;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The training set's metadata file, which the model trainer reads: the spec (name, hash), the
 * feature order, the label, how each model input is encoded, the split cut points, and per split
 * the row count and label rate.
 */
final class TrainingSetMetadata {
  private TrainingSetMetadata() {}

  static String json(FeatureSpec spec, OfflineJob.Kind kind, Map<String, Long> counters) {
    List<String> features = new ArrayList<>();
    for (FeatureDef f : spec.features()) {
      features.add("{\"name\": " + quote(f.name()) + ", \"type\": " + quote(f.type().specName()) + "}");
    }
    List<String> inputs = new ArrayList<>();
    for (ModelDef.Input in : spec.model().inputs()) {
      inputs.add("{\"feature\": " + quote(in.feature()) + ", \"encoding\": " + quote(in.encoding().name().toLowerCase(Locale.ROOT))
          + (in.encoding() == ModelDef.Encoding.BUCKETS ? ", \"boundaries\": " + in.boundaries() : "") + "}");
    }
    List<String> splits = new ArrayList<>();
    for (String split : TandemTrainingSet.SPLITS) {
      long rows = counters.getOrDefault("rows: " + split, 0L);
      long positives = counters.getOrDefault("positives: " + split, 0L);
      splits.add(quote(split) + ": {\"rows\": " + rows + ", \"positives\": " + positives + ", \"label_rate\": "
          + String.format(Locale.ROOT, "%.6f", rows == 0 ? 0.0 : (double) positives / rows) + "}");
    }
    return "{\n"
        + "  \"spec\": {\"name\": " + quote(spec.name()) + ", \"version\": " + spec.version() + ", \"sha256\": "
        + quote(spec.sha256()) + "},\n"
        + "  \"features\": [" + String.join(", ", features) + "],\n"
        + "  \"label\": " + quote(spec.label()) + ",\n"
        + "  \"model_ids\": {\"column\": " + quote(TandemTrainingSet.MODEL_IDS) + ", \"hash\": \"xxh64\", \"seed\": "
        + spec.model().seed() + ", \"inputs\": [" + String.join(", ", inputs) + "]},\n"
        + "  \"split\": {\"by\": \"request time\", \"validation_from\": " + quote(kind.validationFrom().toString())
        + ", \"test_from\": " + quote(kind.testFrom().toString()) + "},\n"
        + "  \"splits\": {" + String.join(", ", splits) + "}\n"
        + "}\n";
  }

  static String splitLine(Map<String, Long> counters) {
    List<String> parts = new ArrayList<>();
    for (String split : TandemTrainingSet.SPLITS) {
      parts.add(String.format(Locale.ROOT, "%s %,d rows (%,d positive)", split, counters.getOrDefault("rows: " + split, 0L),
          counters.getOrDefault("positives: " + split, 0L)));
    }
    return String.join(", ", parts);
  }

  private static String quote(String s) {
    StringBuilder sb = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        default -> {
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    return sb.append('"').toString();
  }
}
