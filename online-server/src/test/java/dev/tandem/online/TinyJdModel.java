package dev.tandem.online;

import dev.tandem.model.TrainOptions;
import dev.tandem.model.Trainer;
import dev.tandem.model.TrainingReport;
import dev.tandem.spec.FeatureSpec;
import dev.tandem.spec.def.FeatureDef;
import dev.tandem.spec.def.ModelDef;
import dev.tandem.spec.encoding.ModelEncoder;
import dev.tandem.spec.eval.StatePlan;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.util.HadoopOutputFile;

/**
 * A small DeepFM trained for the JD spec by the model module's {@link Trainer}: requests over
 * {@link JdFixture}'s data, their features evaluated by the core and encoded by the spec's own
 * model encoder, labels drawn from a planted rule on those features (a product's a2, the user's
 * level, the pair's distinct model ids). Trained once per JVM (a few seconds) into a folder under
 * {@code target/}. The training set is written in the layout {@code tandem training-set} writes.
 */
public final class TinyJdModel {
  private static Path model;
  private static Path other;
  private static TrainingReport report;

  private TinyJdModel() {}

  public static synchronized Path get(FeatureSpec spec, JdFixture fixture) throws Exception {
    if (model == null) {
      Path dir = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "tiny-jd-model-");
      report = train(spec, fixture, List.of(32, 16), dir);
      model = dir.resolve("model");
    }
    return model;
  }

  /** Another model for the same spec, trained with a different network: its scores differ from {@link #get}'s. */
  public static synchronized Path other(FeatureSpec spec, JdFixture fixture) throws Exception {
    if (other == null) {
      Path dir = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "tiny-jd-model-");
      train(spec, fixture, List.of(8), dir);
      other = dir.resolve("model");
    }
    return other;
  }

  /** Trains into {@code dir}/model. */
  private static TrainingReport train(FeatureSpec spec, JdFixture fixture, List<Integer> dnn, Path dir) throws Exception {
    Path trainingSet = dir.resolve("ts");
    writeTrainingSet(spec, fixture, trainingSet);
    ByteArrayOutputStream progress = new ByteArrayOutputStream();
    return Trainer.train(TrainOptions.builder(trainingSet, dir.resolve("model")).epochs(3).patience(2)
        .batchSize(128).tableSize(20_000).embeddingDim(8).dnn(dnn).dropout(0.1f).learningRate(0.005f).build(),
        new PrintStream(progress, true, StandardCharsets.UTF_8));
  }

  public static TrainingReport report() {
    return report;
  }

  private static void writeTrainingSet(FeatureSpec spec, JdFixture fixture, Path dir) throws IOException {
    ModelEncoder encoder = spec.modelEncoder();
    StatePlan.Lookup lookup = fixture.lookup();
    List<FeatureDef> features = spec.features();
    int a2 = index(features, "bo_product_a2_multi_direct_4");
    int level = index(features, "bo_user_user_lv_cd_multi_direct_12");
    int models = index(features, "bo_action_model_id_multi_unique_count_19");
    SplittableRandom random = new SplittableRandom(11);
    Schema schema = SchemaBuilder.record("row").fields()
        .optionalString("request_id")
        .optionalInt("label")
        .name("model_ids").type().nullable().array().items().longType().noDefault()
        .endRecord();
    JsonObject splits = new JsonObject();
    for (Map.Entry<String, Integer> split : Map.of("train", 2400, "validation", 400, "test", 400).entrySet()) {
      Path folder = Files.createDirectories(dir.resolve(split.getKey()));
      int positives = 0;
      try (ParquetWriter<GenericRecord> writer = AvroParquetWriter.<GenericRecord>builder(HadoopOutputFile.fromPath(
          new org.apache.hadoop.fs.Path(folder.resolve("part-00000.parquet").toUri()), new Configuration()))
          .withSchema(schema).build()) {
        for (int i = 0; i < split.getValue(); i++) {
          String user = JdFixture.user(random.nextInt(JdFixture.USERS));
          String sku = JdFixture.sku(random.nextInt(JdFixture.SKUS));
          Instant at = JdFixture.T.minus(Duration.ofMinutes(random.nextInt(5 * 24 * 60)));
          Object[] request = spec.serving().requestRow(user, sku, at, split.getKey() + "-" + i, Map.of());
          Object[] row = spec.plan().evaluate(request, Long.MAX_VALUE, lookup);
          double logit = -1.5 + 2.5 * ("1".equals(row[a2]) ? 1 : 0)
              + 1.5 * (row[level] != null && ((String) row[level]).compareTo("4") >= 0 ? 1 : 0)
              + 1.0 * (row[models] != null && (Long) row[models] >= 2 ? 1 : 0);
          boolean positive = random.nextDouble() < 1 / (1 + Math.exp(-logit));
          positives += positive ? 1 : 0;
          List<Long> ids = new ArrayList<>();
          for (long id : encoder.encode(row)) {
            ids.add(id);
          }
          GenericRecord record = new GenericData.Record(schema);
          record.put("request_id", request[0]);
          record.put("label", positive ? 1 : 0);
          record.put("model_ids", ids);
          writer.write(record);
        }
      }
      splits.put(split.getKey(), new JsonObject().put("rows", split.getValue()).put("positives", positives));
    }
    JsonArray inputs = new JsonArray();
    for (ModelDef.Input input : spec.model().inputs()) {
      JsonObject in = new JsonObject().put("feature", input.feature())
          .put("encoding", input.encoding().name().toLowerCase(Locale.ROOT));
      if (input.encoding() == ModelDef.Encoding.BUCKETS) {
        in.put("boundaries", new JsonArray(new ArrayList<>(input.boundaries())));
      }
      inputs.add(in);
    }
    JsonObject metadata = new JsonObject()
        .put("spec", new JsonObject().put("name", spec.name()).put("version", spec.version()).put("sha256", spec.sha256()))
        .put("label", "label")
        .put("model_ids", new JsonObject().put("column", "model_ids").put("hash", "xxh64").put("seed", spec.model().seed())
            .put("inputs", inputs))
        .put("splits", splits);
    Files.writeString(dir.resolve("metadata.json"), metadata.encodePrettily(), StandardCharsets.UTF_8);
  }

  private static int index(List<FeatureDef> features, String name) {
    for (int i = 0; i < features.size(); i++) {
      if (features.get(i).name().equals(name)) {
        return i;
      }
    }
    throw new IllegalArgumentException("no feature " + name);
  }
}
