package dev.tandem.pipelines;

import dev.tandem.model.Metrics;
import dev.tandem.model.ModelException;
import dev.tandem.testdata.JdGenerator;
import dev.tandem.testdata.ParquetRows;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.generic.GenericRecord;

/**
 * The true-probability AUC of a training set's test split, for data made by {@code tandem generate}:
 * the generator's planted probability of each request ({@code _truth}: reqId, p) ranked against
 * the test split's labels. No model can beat it in expectation; a model's test AUC close to it
 * has learned the signal.
 */
final class TruthCheck {
  private TruthCheck() {}

  /**
   * Test rows are matched to the truth by the request id, the training set's first column (the
   * spec's first feature); the label column is the one {@code metadata.json} names. A training set
   * or truth folder that does not fit is an {@link IllegalArgumentException} saying why.
   */
  static double testSplitAuc(Path trainingSet, Path truthDir) throws IOException {
    String label;
    try {
      label = dev.tandem.model.TrainingSetMetadata.read(trainingSet).label();
    } catch (ModelException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
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
