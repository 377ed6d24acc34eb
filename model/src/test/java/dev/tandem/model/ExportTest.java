package dev.tandem.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExportTest {
  private static final int ROWS = 1000;
  private static final int FRESH_JVM_TIMEOUT_SECONDS = 120;

  @Test
  void aFreshJvmScoresTheExportedModelBitForBitLikeTheTrainer(@TempDir Path tmp) throws Exception {
    Path trainingSet = tmp.resolve("ts");
    new SyntheticTrainingSet().rows("test", ROWS).write(trainingSet);
    TrainingSet set = TrainingSet.open(trainingSet);
    Architecture architecture = new Architecture(set.width(), 3_000, 8, List.of(32, 16));
    Path modelDir = tmp.resolve("model");
    float[] inMemory;
    long[][] ids;
    try (DeepFm model = new DeepFm(architecture, 0.005f, 0.05f, 0.1f, 9L, -2f)) {
      Batcher batcher = new Batcher(set.width(), 256, 10_000, new SplittableRandom(1), model::train);
      set.read(set.split("train").parts(), batcher);
      batcher.finish();

      List<long[]> rows = new ArrayList<>();
      set.read(set.split("test").parts(), (row, label) -> rows.add(row));
      ids = rows.toArray(long[][]::new);
      long[] flat = new long[ROWS * set.width()];
      for (int i = 0; i < ROWS; i++) {
        System.arraycopy(ids[i], 0, flat, i * set.width(), set.width());
      }
      inMemory = model.score(flat, ROWS);

      ModelMetadata metadata = new ModelMetadata(set.specName(), set.specSha256(), set.hashSeed(), set.inputs(),
          architecture.tableSize(), architecture.embeddingDim(), architecture.dnn(),
          new ModelMetadata.Evaluation(1, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
              new Metrics.Interval(Double.NaN, Double.NaN, 0)));
      try (Weights weights = model.weights()) {
        ModelFolder.write(modelDir, dir -> {
          ServingExport.export(architecture, weights, dir);
          metadata.write(dir);
        });
      }
    }

    Path idsFile = tmp.resolve("ids.bin");
    Path scoresFile = tmp.resolve("scores.bin");
    ScoreInFreshJvm.writeIds(idsFile, ids);
    String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    // The child's output goes to a file, so that waiting for it is bounded by the timeout (reading
    // its stdout to the end would block until it exits, and a hung child would hang the test).
    Path log = tmp.resolve("fresh-jvm.log");
    Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", classpath, ScoreInFreshJvm.class.getName(), modelDir.toString(), idsFile.toString(), scoresFile.toString())
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    boolean exited = process.waitFor(FRESH_JVM_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    if (!exited) {
      process.destroyForcibly().waitFor();
    }
    String output = Files.readString(log, StandardCharsets.UTF_8);
    assertTrue(exited, "the fresh JVM did not finish in " + FRESH_JVM_TIMEOUT_SECONDS + " s; its output:\n" + output);
    assertEquals(0, process.exitValue(), output);

    int[] expected = new int[ROWS];
    for (int i = 0; i < ROWS; i++) {
      expected[i] = Float.floatToIntBits(inMemory[i]);
    }
    assertArrayEquals(expected, ScoreInFreshJvm.readScoreBits(scoresFile));
    assertTrue(java.util.Arrays.stream(expected).distinct().count() > 100, "the scores vary: the model was trained");
  }
}
