package dev.tandem.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Scoring latency of {@link Scorer#score} for batches of 1, 10, 100 and 1000 rows (median and
 * p99 of many calls after a warm-up), then a soak of 100,000 calls of 100 rows printing the
 * process's resident memory (VmRSS) every 10,000 calls: it must stay flat (no native leak).
 * Argument: a model folder; without one, an untrained model of the JD shape (33 inputs, table
 * 200,000 x 16, dnn 400,400,400) is exported to a temporary folder (latency does not depend on
 * the weights' values).
 */
public final class ScoringBenchmark {
  private static final int[] BATCH_SIZES = {1, 10, 100, 1000};
  private static final int SOAK_CALLS = 100_000;
  private static final int SOAK_BATCH = 100;

  private ScoringBenchmark() {}

  public static void main(String[] args) throws Exception {
    boolean given = args.length > 0 && !args[0].isBlank();
    Path modelDir = given ? Path.of(args[0]) : untrainedJdShapedModel();
    try {
      run(modelDir);
    } finally {
      if (!given) {
        TrainerTest.deleteRecursively(modelDir.getParent());
      }
    }
  }

  private static void run(Path modelDir) throws Exception {
    try (Scorer scorer = Scorer.load(modelDir)) {
      System.out.printf(Locale.ROOT, "model %s: %d inputs, table %,d x %d, dnn %s; %s; %d cores%n", modelDir,
          scorer.width(), scorer.metadata().tableSize(), scorer.metadata().embeddingDim(), scorer.metadata().dnn(),
          scorer.device(), Runtime.getRuntime().availableProcessors());
      SplittableRandom random = new SplittableRandom(1);
      for (int batch : BATCH_SIZES) {
        long[][][] pool = pool(random, 16, batch, scorer.width());
        int calls = Math.max(1_000, 20_000 / batch);
        for (int i = 0; i < calls / 2; i++) {
          scorer.score(pool[i % pool.length]);
        }
        long[] nanos = new long[calls];
        for (int i = 0; i < calls; i++) {
          long start = System.nanoTime();
          scorer.score(pool[i % pool.length]);
          nanos[i] = System.nanoTime() - start;
        }
        Arrays.sort(nanos);
        double median = nanos[calls / 2] / 1e6;
        double p99 = nanos[(int) (calls * 0.99)] / 1e6;
        System.out.printf(Locale.ROOT, "batch %4d: median %7.3f ms, p99 %7.3f ms (%,d calls), %,.0f rows/s at the median%n",
            batch, median, p99, calls, batch / median * 1000);
      }
      long[][][] pool = pool(random, 16, SOAK_BATCH, scorer.width());
      System.out.printf(Locale.ROOT, "soak: %,d calls of %d rows%n", SOAK_CALLS, SOAK_BATCH);
      long start = System.nanoTime();
      for (int i = 0; i <= SOAK_CALLS; i++) {
        if (i % 10_000 == 0) {
          Runtime rt = Runtime.getRuntime();
          System.out.printf(Locale.ROOT, "  after %,7d calls: VmRSS %s, Java heap used %,d MB, %.1f s%n", i, rss(),
              (rt.totalMemory() - rt.freeMemory()) >> 20, (System.nanoTime() - start) / 1e9);
        }
        if (i < SOAK_CALLS) {
          scorer.score(pool[i % pool.length]);
        }
      }
    }
  }

  private static long[][][] pool(SplittableRandom random, int batches, int rows, int width) {
    long[][][] pool = new long[batches][rows][width];
    for (long[][] batch : pool) {
      for (long[] row : batch) {
        for (int i = 0; i < width; i++) {
          row[i] = random.nextLong();
        }
      }
    }
    return pool;
  }

  private static String rss() throws IOException {
    return Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("VmRSS:"))
        .map(l -> l.substring("VmRSS:".length()).trim()).findFirst().orElse("?");
  }

  private static Path untrainedJdShapedModel() throws Exception {
    Path dir = Files.createTempDirectory("tandem-bench").resolve("model");
    Architecture architecture = new Architecture(33, 200_000, 16, List.of(400, 400, 400));
    ModelMetadata metadata = new ModelMetadata("bench", "0".repeat(64), 0, SyntheticTrainingSet.inputs(33),
        architecture.tableSize(), architecture.embeddingDim(), architecture.dnn(),
        new ModelMetadata.Evaluation(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
            new Metrics.Interval(Double.NaN, Double.NaN, 0)));
    try (DeepFm model = new DeepFm(architecture, 0.001f, 0.05f, 0f, 1L, -4f);
         Weights weights = model.weights()) {
      ModelFolder.write(dir, d -> {
        ServingExport.export(architecture, weights, d);
        metadata.write(d);
      });
    }
    return dir;
  }
}
