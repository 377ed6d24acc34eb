package dev.tandem.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

import dev.tandem.model.Scorer;
import dev.tandem.testdata.ParquetRows;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The model commands end to end on generated data: training-set, then train (with the truth
 * check), then score as a Beam job; the job's scores are the scorer's, row by row (to the last
 * few bits: see the comparison). The training set and the scores are the same on Spark.
 */
class TrainAndScoreTest {
  @TempDir
  static Path dir;

  static Path data;
  static Path trainingSet;
  static Path model;
  static String generateOut;
  static String trainOut;

  @BeforeAll
  static void trainSmallModel() throws Exception {
    data = dir.resolve("data");
    TandemCliTest.Result g = TandemCliTest.cli("generate", "--scale", "3000", "--positive-rate", "0.3", "--out", data.toString());
    assertThat(g.err(), g.code(), is(0));
    generateOut = g.out();
    trainingSet = dir.resolve("ts");
    TandemCliTest.Result ts = TandemCliTest.cli("training-set", "--spec", TandemCliTest.JD_SPEC.toString(),
        "--data", data.toString(), "--out", trainingSet.toString());
    assertThat(ts.err(), ts.code(), is(0));
    model = dir.resolve("model");
    TandemCliTest.Result t = TandemCliTest.cli("train", "--train", trainingSet.toString(), "--out", model.toString(),
        "--epochs", "2", "--dnn", "32,32", "--table-size", "20000", "--truth", data.resolve("_truth").toString());
    assertThat(t.err(), t.code(), is(0));
    assertThat(t.out(), containsString("model -> " + model));
    trainOut = t.out();
  }

  /** The number after {@code label} in {@code text}. */
  private static double figure(String text, String label) {
    Matcher m = Pattern.compile(Pattern.quote(label) + " (-?[0-9.]+)").matcher(text);
    assertThat(label + " in:\n" + text, m.find(), is(true));
    return Double.parseDouble(m.group(1));
  }

  /**
   * The test split's true-probability AUC. Labels are drawn from the planted probability p (noise
   * 0), so ranking by p has the data's true AUC, which generate prints for all requests; on the
   * test split it differs from that only by sampling: within 4 standard errors (Hanley and McNeil,
   * from the split's positives and negatives), and above 0.5 (the signal is planted). A truth file
   * of other data, labels read from the wrong column, or rows matched to the wrong requests give
   * about 0.5.
   */
  @Test
  void theTruthCheckGivesTheDatasTrueAucOnTheTestSplit() throws Exception {
    double all = figure(generateOut, "true-probability AUC");
    double test = figure(trainOut, "test split: true-probability AUC");
    double model = figure(trainOut, ", model AUC");
    dev.tandem.model.TrainingSetMetadata.SplitCounts split = dev.tandem.model.TrainingSetMetadata.read(trainingSet).splits().test();
    double positives = split.positives();
    double negatives = split.rows() - split.positives();
    double q1 = all / (2 - all);
    double q2 = 2 * all * all / (1 + all);
    double se = Math.sqrt((all * (1 - all) + (positives - 1) * (q1 - all * all) + (negatives - 1) * (q2 - all * all))
        / (positives * negatives));
    String figures = String.format(Locale.ROOT, "all requests %.4f, test split %.4f (%d positive, %d negative; SE %.4f)",
        all, test, (long) positives, (long) negatives, se);
    System.out.println("true-probability AUC: " + figures + "; model " + model);
    assertThat(figures, all > 0.6, is(true));
    assertThat(figures, Math.abs(test - all) <= 4 * se, is(true));
    // The model learns from data that p generated: it cannot rank the same rows much better than p itself.
    assertThat(figures + ", model " + model, model <= test + 4 * se, is(true));
  }

  @Test
  void trainWritesACompleteModelFolder() {
    for (String file : List.of("saved_model.pb", "variables", "tandem-model.json", "metrics.json", "training.png")) {
      assertThat(file, Files.exists(model.resolve(file)), is(true));
    }
  }

  @Test
  void theScoringJobGivesTheScorersScoresRowByRow() throws Exception {
    assertScoresRowByRow(dir.resolve("scored"), "direct");
  }

  /** On Spark (local[2]), training-set writes the Direct runner's rows and metadata, and score the same scores. */
  @Test
  void trainingSetAndScoreOnSparkGiveTheDirectRunnersRows() throws Exception {
    Path sparkSet = dir.resolve("ts-spark");
    TandemCliTest.Result ts = TandemCliTest.cli("training-set", "--spec", TandemCliTest.JD_SPEC.toString(),
        "--data", data.toString(), "--out", sparkSet.toString(), "--runner", "spark", "--sparkMaster=local[2]");
    assertThat(ts.err(), ts.code(), is(0));
    assertThat(ts.out(), containsString("spark runner"));
    for (String split : List.of("train", "validation", "test")) {
      Map<String, GenericRecord> direct = byRequest(ParquetRows.readFolder(trainingSet.resolve(split)));
      Map<String, GenericRecord> spark = byRequest(ParquetRows.readFolder(sparkSet.resolve(split)));
      assertThat(split, spark.keySet(), is(direct.keySet()));
      for (Map.Entry<String, GenericRecord> e : direct.entrySet()) {
        assertThat(split + " " + e.getKey(), spark.get(e.getKey()).toString(), is(e.getValue().toString()));
      }
    }
    // The metadata too (the training set's own counters, on either runner).
    assertThat(dev.tandem.model.TrainingSetMetadata.read(sparkSet), is(dev.tandem.model.TrainingSetMetadata.read(trainingSet)));

    assertScoresRowByRow(dir.resolve("scored-spark"), "spark", "--sparkMaster=local[2]");
  }

  private static Map<String, GenericRecord> byRequest(List<GenericRecord> rows) {
    Map<String, GenericRecord> byId = new HashMap<>();
    for (GenericRecord row : rows) {
      assertThat("request " + row.get(0) + " once", byId.put(row.get(0).toString(), row) == null, is(true));
    }
    return byId;
  }

  /**
   * Scores the test split with the score job on {@code runner} into {@code out}: each row once,
   * unchanged, with the scorer's score.
   */
  private static void assertScoresRowByRow(Path out, String runner, String... options) throws Exception {
    List<String> args = new ArrayList<>(List.of("score", "--model", model.toString(), "--spec",
        TandemCliTest.JD_SPEC.toString(), "--data", trainingSet.resolve("test").toString(), "--out", out.toString(),
        "--batch-size", "7", "--runner", runner));
    args.addAll(List.of(options));
    TandemCliTest.Result r = TandemCliTest.cli(args.toArray(String[]::new));
    assertThat(r.err(), r.code(), is(0));
    assertThat(r.out(), containsString(runner + " runner, batches of 7"));
    List<GenericRecord> test = ParquetRows.readFolder(trainingSet.resolve("test"));
    List<GenericRecord> scored = ParquetRows.readFolder(out);
    assertThat(scored.size(), is(test.size()));
    // Each input row comes out once, unchanged, plus its score.
    Map<String, GenericRecord> byRequest = byRequest(test);
    for (GenericRecord row : scored) {
      GenericRecord in = byRequest.remove(row.get(0).toString());
      assertThat("request " + row.get(0), in == null, is(false));
      for (Schema.Field f : in.getSchema().getFields()) {
        assertThat(f.name(), String.valueOf(row.get(f.name())), is(String.valueOf(in.get(f.name()))));
      }
    }
    assertThat(byRequest.isEmpty(), is(true));
    assertThat(r.out(), containsString("scored " + String.format("%,d", test.size()) + " rows"));
    assertThat(Files.exists(out.resolve(OfflineJob.SUCCESS)), is(true));
    try (Scorer scorer = Scorer.load(model)) {
      long[][] ids = new long[scored.size()][];
      for (int i = 0; i < ids.length; i++) {
        @SuppressWarnings("unchecked")
        List<Long> list = (List<Long>) scored.get(i).get("model_ids");
        ids[i] = list.stream().mapToLong(Long::longValue).toArray();
      }
      float[] expected = scorer.score(ids);
      for (int i = 0; i < ids.length; i++) {
        float score = (Float) scored.get(i).get("score");
        // TensorFlow's CPU kernels block the matrix products by batch size, so a row scored in a
        // batch of 7 and in one batch of all rows may differ in the last bits: a few ulps, no more.
        assertThat("row " + i + ": " + score + " vs " + expected[i],
            Math.abs(score - expected[i]) <= 4 * Math.ulp(expected[i]), is(true));
      }
    }
  }

  @Test
  void badInputIsExitTwoWithAMessageAndNoModel() {
    Path missing = dir.resolve("no-such-set");
    Path out = dir.resolve("never");
    TandemCliTest.Result r = TandemCliTest.cli("train", "--train", missing.toString(), "--out", out.toString());
    assertThat(r.code(), is(2));
    assertThat(r.err(), containsString("training set folder " + missing + " not found"));
    assertThat(Files.exists(out.resolve("saved_model.pb")), is(false));

    TandemCliTest.Result badOption = TandemCliTest.cli("train", "--train", trainingSet.toString(), "--out", out.toString(),
        "--dropout", "1.5");
    assertThat(badOption.code(), is(2));
    assertThat(badOption.err(), containsString("dropout must be in [0, 1)"));

    TandemCliTest.Result noModel = TandemCliTest.cli("score", "--model", missing.toString(), "--data",
        trainingSet.resolve("test").toString(), "--out", dir.resolve("s1").toString());
    assertThat(noModel.code(), is(2));
    assertThat(noModel.err(), containsString("model error: "));

    TandemCliTest.Result noIds = TandemCliTest.cli("score", "--model", model.toString(), "--data",
        trainingSet.resolve("test").toString(), "--out", dir.resolve("s2").toString(), "--ids-column", "nope");
    assertThat(noIds.code(), is(2));
    assertThat(noIds.err(), containsString("has no column 'nope'"));
  }

  @Test
  void aMalformedModelFileIsExitTwoNamingTheField() throws Exception {
    Path bad = Files.createDirectories(dir.resolve("bad-model"));
    Files.writeString(bad.resolve("saved_model.pb"), "not read: the metadata is checked first");
    Files.writeString(bad.resolve("tandem-model.json"), Files.readString(model.resolve("tandem-model.json"))
        .replaceFirst("\"table_size\": \\d+", "\"table_size\": \"big\""));
    TandemCliTest.Result r = TandemCliTest.cli("score", "--model", bad.toString(), "--data",
        trainingSet.resolve("test").toString(), "--out", dir.resolve("s3").toString());
    assertThat(r.code(), is(2));
    assertThat(r.err(), containsString("model error: " + bad.resolve("tandem-model.json")
        + ": field 'architecture.table_size' is the string \"big\", expected an integer"));
  }
}
