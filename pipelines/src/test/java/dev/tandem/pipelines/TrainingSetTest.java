package dev.tandem.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;

import dev.tandem.spec.FeatureSpec;
import dev.tandem.spec.encoding.ModelEncoder;
import dev.tandem.testdata.Fixtures;
import dev.tandem.testdata.JdGenerator;
import dev.tandem.testdata.ParquetRows;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;


/** tandem training-set: features, label and model ids, split by request time, with a metadata file. */
class TrainingSetTest {
  @TempDir
  Path dir;

  @Test
  void splitsByRequestTimeAndEncodesTheModelInputs() throws Exception {
    Path out = dir.resolve("ts");
    Instant validation = Instant.parse("2016-03-25T16:00:00Z");
    Instant test = Instant.parse("2016-04-04T16:00:00Z");
    TandemCliTest.Result r = TandemCliTest.cli("training-set", "--spec", TandemCliTest.JD_SPEC.toString(),
        "--data", Fixtures.jd(JdGenerator.Mode.REALISTIC).toString(), "--out", out.toString(),
        "--validation-from", "2016-03-26", "--test-from", "2016-04-05");
    assertThat(r.err(), r.code(), is(0));
    assertThat(r.out(), containsString("splits: train before " + validation + ", validation before " + test));

    FeatureSpec spec = FeatureSpec.load(TandemCliTest.JD_SPEC);
    ModelEncoder encoder = spec.modelEncoder();
    long total = 0;
    for (String split : List.of("train", "validation", "test")) {
      List<GenericRecord> rows = ParquetRows.readFolder(out.resolve(split));
      assertThat(split, rows.size(), greaterThan(0));
      total += rows.size();
      for (GenericRecord row : rows) {
        Instant t = Instant.ofEpochMilli((Long) row.get("flattenRequest_eventTime_original_0"));
        boolean inSplit = switch (split) {
          case "train" -> t.isBefore(validation);
          case "validation" -> !t.isBefore(validation) && t.isBefore(test);
          default -> !t.isBefore(test);
        };
        assertThat(split + " " + t, inSplit, is(true));
        @SuppressWarnings("unchecked")
        List<Long> ids = (List<Long>) row.get("model_ids");
        assertThat(ids.size(), is(encoder.width()));
        assertThat(ids.size(), is(33));
      }
    }
    assertThat(total, is((long) Fixtures.REQUESTS));
    String metadata = Files.readString(out.resolve("metadata.json"));
    assertThat(metadata, containsString("\"sha256\": \"" + spec.sha256() + "\""));
    assertThat(metadata, containsString("\"label\": \"action_actionValue_multi_direct_2\""));
    assertThat(metadata, containsString("\"validation_from\": \"" + validation + "\""));
    assertThat(metadata, containsString("\"feature\": \"flattenRequest_pair_id_original_24\""));
    // The file read back through the model module's contract: what the trainer sees.
    dev.tandem.model.TrainingSetMetadata read = dev.tandem.model.TrainingSetMetadata.read(out);
    assertThat(read.modelIds().inputs(), is(spec.model().inputs()));
    assertThat(read.features().size(), is(spec.features().size()));
    assertThat(read.split().testFrom(), is(test.toString()));
    assertThat(read.splits().train().rows() + read.splits().validation().rows() + read.splits().test().rows(), is(total));
    assertThat(Files.readString(out.resolve("_SUCCESS")), containsString("rows=300"));
  }

  @Test
  void aSpecWithoutModelSectionCannotMakeATrainingSet() throws Exception {
    Path spec = dir.resolve("small.yaml");
    Files.writeString(spec, TandemCliTest.SMALL_SPEC);
    TandemCliTest.Result r = TandemCliTest.cli("training-set", "--spec", spec.toString(), "--data", dir.toString(),
        "--out", dir.resolve("o").toString());
    assertThat(r.code(), is(2));
    assertThat(r.err(), containsString("a training set needs a 'label' and a 'model' section"));
  }
}
