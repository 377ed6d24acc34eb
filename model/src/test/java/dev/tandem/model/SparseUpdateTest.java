package dev.tandem.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SparseUpdateTest {
  private static final int FIELDS = 4;
  private static final int TABLE = 1_000;
  private static final int DIM = 8;

  @Test
  void aStepChangesOnlyTheRowsOfTheBatchIds() {
    SplittableRandom random = new SplittableRandom(5);
    int rows = 16;
    long[] ids = new long[rows * FIELDS];
    float[] labels = new float[rows];
    Set<Integer> touched = new HashSet<>();
    for (int i = 0; i < ids.length; i++) {
      ids[i] = random.nextLong(); // negative ids too: they map to floorMod(id, TABLE)
      touched.add((int) Math.floorMod(ids[i], (long) TABLE));
    }
    for (int i = 0; i < rows; i++) {
      labels[i] = i % 3 == 0 ? 1 : 0;
    }
    try (DeepFm model = new DeepFm(new Architecture(FIELDS, TABLE, DIM, List.of(16)), 0.01f, 0.1f, 0.2f, 3L, -1f)) {
      try (Weights before = model.weights()) {
        model.train(new Batch(ids, labels, rows));
        try (Weights after = model.weights()) {
          float[] embeddingsBefore = before.values("embeddings");
          float[] embeddingsAfter = after.values("embeddings");
          float[] linearBefore = before.values("linear");
          float[] linearAfter = after.values("linear");
          for (int row = 0; row < TABLE; row++) {
            float[] was = Arrays.copyOfRange(embeddingsBefore, row * DIM, (row + 1) * DIM);
            float[] is = Arrays.copyOfRange(embeddingsAfter, row * DIM, (row + 1) * DIM);
            if (touched.contains(row)) {
              assertFalse(Arrays.equals(was, is), "embedding row " + row + " of the batch changed");
              assertTrue(linearBefore[row] != linearAfter[row], "linear weight " + row + " of the batch changed");
            } else {
              assertTrue(Arrays.equals(was, is), "embedding row " + row + " untouched");
              assertEquals(Float.floatToIntBits(linearBefore[row]), Float.floatToIntBits(linearAfter[row]),
                  "linear weight " + row + " untouched");
            }
          }
          assertFalse(Arrays.equals(before.values("dnn0_kernel"), after.values("dnn0_kernel")), "dense layers move too");
          assertTrue(touched.size() > 40 && touched.size() < TABLE);
        }
      }
    }
  }
}
