package dev.tandem.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.spec.FeatureSpec;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;


/** A model trained on a training set of the real JD spec's shape (33 inputs), checked against that spec. */
class ScorerTest {
  @TempDir
  static Path tmp;
  static String jdText;
  static FeatureSpec jd;
  static Path modelDir;

  @BeforeAll
  static void train() throws Exception {
    try (InputStream in = FeatureSpec.class.getResourceAsStream("/specs/jd.yaml")) {
      jdText = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    jd = FeatureSpec.parse(jdText, "jd.yaml");
    Path trainingSet = tmp.resolve("ts");
    new SyntheticTrainingSet().spec(jd.name(), jd.sha256(), jd.model().inputs())
        .rows("train", 2000).rows("validation", 300).rows("test", 300).write(trainingSet);
    modelDir = tmp.resolve("model");
    Trainer.train(TrainOptions.builder(trainingSet, modelDir).epochs(1).batchSize(256).tableSize(2_000)
        .embeddingDim(4).dnn(List.of(16)).build(), new PrintStream(new ByteArrayOutputStream()));
  }

  @Test
  void loadsForTheSpecItWasTrainedFor() throws Exception {
    try (Scorer scorer = Scorer.load(modelDir, jd)) {
      assertEquals(33, scorer.width());
      assertEquals("jd", scorer.metadata().specName());
      assertEquals(jd.model().inputs(), scorer.metadata().inputs());
      long[][] rows = new long[3][33];
      rows[1][0] = -42;
      rows[2][5] = Long.MAX_VALUE;
      float[] scores = scorer.score(rows);
      assertEquals(3, scores.length);
      for (float s : scores) {
        assertTrue(s > 0 && s < 1, "a probability: " + s);
      }
      assertArrayEquals(scores, scorer.score(rows), "the same rows score the same");
      assertEquals(0, scorer.score(new long[0][]).length);
    }
  }

  /**
   * The device line says GPU exactly when TensorFlow can use one: the native libraries on the class
   * path are the CUDA build (Maven profile {@code gpu}) and the machine shows an NVIDIA device that
   * CUDA_VISIBLE_DEVICES does not hide. Otherwise it is the CPU line, word for word.
   */
  @Test
  void logsTheDeviceItScoresOn() throws Exception {
    boolean cudaNatives = cudaNatives();
    boolean gpuVisible = gpuVisible();
    try (Scorer scorer = Scorer.load(modelDir)) {
      String why = "CUDA natives " + cudaNatives + ", GPU visible " + gpuVisible + ": " + scorer.device();
      if (cudaNatives && gpuVisible) {
        assertTrue(scorer.device().startsWith("scoring on GPU (") && scorer.device().contains("device:GPU:0"), why);
      } else {
        assertEquals("scoring on CPU: TensorFlow found no usable GPU (one needs the gpu Maven profile's native libraries,"
            + " CUDA 12 and cuDNN on LD_LIBRARY_PATH, and a visible GPU)", scorer.device(), why);
      }
    }
  }

  /** The class path holds tensorflow-core-native's CUDA build (classifier linux-x86_64-gpu). */
  private static boolean cudaNatives() {
    String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    return classpath.contains("linux-x86_64-gpu")
        || Scorer.class.getClassLoader().getResource("org/tensorflow/internal/c_api/linux-x86_64-gpu/") != null;
  }

  /** An NVIDIA device file (/dev/nvidia0, ...) exists and CUDA_VISIBLE_DEVICES, if set, names a device. */
  private static boolean gpuVisible() throws Exception {
    String visible = System.getenv("CUDA_VISIBLE_DEVICES");
    if (visible != null && (visible.isBlank() || visible.trim().startsWith("-1"))) {
      return false;
    }
    try (java.util.stream.Stream<Path> devices = Files.list(Path.of("/dev"))) {
      return devices.anyMatch(d -> d.getFileName().toString().matches("nvidia\\d+"));
    }
  }

  /** Many threads scoring at once get, batch for batch, the scores of one thread scoring alone. */
  @Test
  void concurrentCallsScoreLikeSerialOnes() throws Exception {
    SplittableRandom random = new SplittableRandom(3);
    long[][][] batches = new long[24][][];
    for (int b = 0; b < batches.length; b++) {
      batches[b] = new long[1 + random.nextInt(300)][33];
      for (long[] row : batches[b]) {
        for (int i = 0; i < row.length; i++) {
          row[i] = random.nextLong();
        }
      }
    }
    int threads = 8;
    int rounds = 4;
    try (Scorer scorer = Scorer.load(modelDir, jd)) {
      float[][] serial = new float[batches.length][];
      for (int b = 0; b < batches.length; b++) {
        serial[b] = scorer.score(batches[b]);
      }
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      try {
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Integer>> done = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          int seed = t;
          done.add(pool.submit(() -> {
            start.await();
            SplittableRandom order = new SplittableRandom(seed);
            int checked = 0;
            for (int i = 0; i < rounds * batches.length; i++) {
              int b = order.nextInt(batches.length);
              assertArrayEquals(serial[b], scorer.score(batches[b]), "batch " + b + " in thread " + seed);
              checked++;
            }
            return checked;
          }));
        }
        start.countDown();
        for (Future<Integer> f : done) {
          assertEquals(rounds * batches.length, f.get(120, TimeUnit.SECONDS));
        }
      } finally {
        pool.shutdownNow();
      }
    }
  }

  @Test
  void refusesRowsOfAnotherWidth() throws Exception {
    try (Scorer scorer = Scorer.load(modelDir)) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> scorer.score(new long[][] {new long[33], new long[32]}));
      assertEquals("row 1 has 32 ids, the model takes 33", e.getMessage());
    }
  }

  @Test
  void refusesAnotherSpecNamingEachDifference() throws Exception {
    FeatureSpec other = FeatureSpec.parse(jdText.replace("name: jd\n", "name: jd2\n")
        .replace("    - flattenRequest_pair_id_original_24\n", ""), "jd2.yaml");
    ModelException e = assertThrows(ModelException.class, () -> Scorer.load(modelDir, other));
    assertEquals("the model was not trained for spec jd2.yaml ('jd2'):\n"
        + "  spec name: model 'jd', spec 'jd2'\n"
        + "  spec sha256: model " + jd.sha256() + ", spec " + other.sha256() + "\n"
        + "  number of inputs: model 33, spec 32\n"
        + "  input 0: model flattenRequest_pair_id_original_24 (hash), spec flattenRequest_sku_id_original_25 (hash)",
        e.getMessage().lines().limit(5).reduce((a, b) -> a + "\n" + b).orElseThrow());
  }

  @Test
  void refusesAnEditedSpecText() throws Exception {
    FeatureSpec edited = FeatureSpec.parse(jdText + "\n# edited\n", "jd.yaml");
    ModelException e = assertThrows(ModelException.class, () -> Scorer.load(modelDir, edited));
    assertTrue(e.getMessage().contains("spec sha256: model " + jd.sha256()), e.getMessage());
    assertFalse(e.getMessage().contains("spec name"), e.getMessage());
  }

  @Test
  void refusesAFolderWithoutSavedModel() throws Exception {
    Path copy = Files.createDirectories(tmp.resolve("metadata-only"));
    Files.copy(modelDir.resolve(ModelMetadata.FILE), copy.resolve(ModelMetadata.FILE));
    ModelException e = assertThrows(ModelException.class, () -> Scorer.load(copy, jd));
    assertEquals(copy + " has tandem-model.json but no saved_model.pb", e.getMessage());
  }
}
