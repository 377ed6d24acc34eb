package dev.tandem.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

import dev.tandem.model.Scorer;
import dev.tandem.testdata.ParquetRows;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The model commands end to end on generated data: training-set, then train (with the truth
 * check), then score as a Beam job; the job's scores are the scorer's, row by row (to the last
 * few bits: see the comparison).
 */
class TrainAndScoreTest {
  @TempDir
  static Path dir;

  static Path trainingSet;
  static Path model;

  @BeforeAll
  static void trainSmallModel() throws Exception {
    Path data = dir.resolve("data");
    TandemCliTest.Result g = TandemCliTest.cli("generate", "--scale", "3000", "--positive-rate", "0.3", "--out", data.toString());
    assertThat(g.err(), g.code(), is(0));
    trainingSet = dir.resolve("ts");
    TandemCliTest.Result ts = TandemCliTest.cli("training-set", "--spec", TandemCliTest.JD_SPEC.toString(),
        "--data", data.toString(), "--out", trainingSet.toString());
    assertThat(ts.err(), ts.code(), is(0));
    model = dir.resolve("model");
    TandemCliTest.Result t = TandemCliTest.cli("train", "--train", trainingSet.toString(), "--out", model.toString(),
        "--epochs", "2", "--dnn", "32,32", "--table-size", "20000", "--truth", data.resolve("_truth").toString());
    assertThat(t.err(), t.code(), is(0));
    assertThat(t.out(), containsString("model -> " + model));
    assertThat(t.out(), containsString("test split: true-probability AUC 0."));
  }

  @Test
  void trainWritesACompleteModelFolder() {
    for (String file : List.of("saved_model.pb", "variables", "tandem-model.json", "metrics.json", "training.png")) {
      assertThat(file, Files.exists(model.resolve(file)), is(true));
    }
  }

  @Test
  void theScoringJobGivesTheScorersScoresRowByRow() throws Exception {
    Path out = dir.resolve("scored");
    TandemCliTest.Result r = TandemCliTest.cli("score", "--model", model.toString(), "--spec", TandemCliTest.JD_SPEC.toString(),
        "--data", trainingSet.resolve("test").toString(), "--out", out.toString(), "--batch-size", "7");
    assertThat(r.err(), r.code(), is(0));
    List<GenericRecord> test = ParquetRows.readFolder(trainingSet.resolve("test"));
    List<GenericRecord> scored = ParquetRows.readFolder(out);
    assertThat(scored.size(), is(test.size()));
    // Each input row comes out once, unchanged, plus its score.
    Map<String, GenericRecord> byRequest = new HashMap<>();
    for (GenericRecord row : test) {
      byRequest.put(row.get(0).toString(), row);
    }
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
}
