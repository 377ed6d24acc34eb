package dev.tandem.pipelines;

import dev.tandem.model.Metrics;
import dev.tandem.testdata.JdGenerator;
import dev.tandem.testdata.ParquetRows;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.avro.generic.GenericRecord;

/**
 * The true-probability AUC of a training set's test split, for data made by {@code tandem generate}:
 * the generator's planted probability of each request ({@code _truth}: reqId, p) ranked against
 * the test split's labels. No model can beat it in expectation; a model's test AUC close to it
 * has learned the signal.
 */
final class TruthCheck {
  private static final Pattern LABEL = Pattern.compile("\"label\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");

  private TruthCheck() {}

  /** Test rows are matched to the truth by the request id, the training set's first column (the spec's first feature). */
  static double testSplitAuc(Path trainingSet, Path truthDir) throws IOException {
    Matcher m = LABEL.matcher(Files.readString(trainingSet.resolve("metadata.json")));
    if (!m.find()) {
      throw new IllegalArgumentException(trainingSet.resolve("metadata.json") + " names no label");
    }
    String label = m.group(1);
    Map<String, Double> truth = new HashMap<>();
    for (GenericRecord r : ParquetRows.readFolder(truthDir)) {
      truth.put(String.valueOf(r.get("reqId")), ((Number) r.get("p")).doubleValue());
    }
    List<GenericRecord> test = ParquetRows.readFolder(trainingSet.resolve("test"));
    float[] p = new float[test.size()];
    int[] labels = new int[test.size()];
    for (int i = 0; i < test.size(); i++) {
      GenericRecord row = test.get(i);
      String id = String.valueOf(row.get(0));
      Double truthP = truth.get(id);
      if (truthP == null) {
        throw new IllegalArgumentException("request '" + id + "' of the test split is not in " + truthDir
            + " (" + JdGenerator.TRUTH + " of the same generated data?)");
      }
      p[i] = truthP.floatValue();
      Object value = row.get(label);
      labels[i] = value instanceof Number n && n.doubleValue() > 0 ? 1 : 0;
    }
    return Metrics.auc(p, labels);
  }
}
