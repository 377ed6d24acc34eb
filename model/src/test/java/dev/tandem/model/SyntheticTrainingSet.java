package dev.tandem.model;

import dev.tandem.spec.def.ModelDef;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
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
 * Writes training sets in the layout of {@code tandem training-set} (train, validation and test
 * folders of Parquet files with a label and a {@code model_ids} list of int64, and
 * {@code metadata.json}) with a planted signal: each field draws one of {@code vocabulary} (50)
 * values (random 64-bit ids, negative ones included); the label's log-odds rise when field 0 or
 * field 1 takes one of its first five values, and when fields 2 and 3 both take one of their first
 * ten. A model that learns those ids reaches an AUC near 0.9.
 */
final class SyntheticTrainingSet {
  static final String LABEL = "label";
  private static final int PARTS = 2;

  private String specName = "synthetic";
  private String specSha256 = "0".repeat(64);
  private List<ModelDef.Input> inputs = inputs(6);
  private final Map<String, Integer> rows = new LinkedHashMap<>(Map.of("train", 6000, "validation", 1000, "test", 1000));
  private long seed = 7;
  private int vocabulary = 50;
  private double nullLabelRate = 0.01;
  private int badTestRowWidth = -1;
  private boolean flatValidation;

  SyntheticTrainingSet fields(int fields) {
    this.inputs = inputs(fields);
    return this;
  }

  static List<ModelDef.Input> inputs(int fields) {
    List<ModelDef.Input> inputs = new ArrayList<>();
    for (int f = 0; f < fields; f++) {
      inputs.add(new ModelDef.Input("f" + f, ModelDef.Encoding.HASH, List.of()));
    }
    return inputs;
  }

  SyntheticTrainingSet spec(String name, String sha256, List<ModelDef.Input> specInputs) {
    this.specName = name;
    this.specSha256 = sha256;
    this.inputs = List.copyOf(specInputs);
    return this;
  }

  SyntheticTrainingSet rows(String split, int count) {
    rows.put(split, count);
    return this;
  }

  SyntheticTrainingSet vocabulary(int values) {
    this.vocabulary = values;
    return this;
  }

  /** Makes the test split's last row carry {@code width} ids: a malformed row found only when the test split is read. */
  SyntheticTrainingSet badTestRow(int width) {
    this.badTestRowWidth = width;
    return this;
  }

  /**
   * Gives every validation row the same ids (value 0 of each field) and alternating labels: any
   * model scores every row alike, so the validation AUC is exactly 0.5 at every epoch and no
   * epoch is better than the first.
   */
  SyntheticTrainingSet flatValidation() {
    this.flatValidation = true;
    return this;
  }

  /** The ids of value {@code v} of field {@code f}: fixed by the seed. */
  private long[][] valueIds() {
    SplittableRandom random = new SplittableRandom(seed);
    long[][] ids = new long[inputs.size()][vocabulary];
    for (long[] field : ids) {
      for (int v = 0; v < vocabulary; v++) {
        field[v] = random.nextLong();
      }
    }
    return ids;
  }

  /** Writes the training set into {@code dir}; returns the number of NULL labels written per split. */
  Map<String, Integer> write(Path dir) throws IOException {
    long[][] valueIds = valueIds();
    SplittableRandom random = new SplittableRandom(seed + 1);
    Schema schema = SchemaBuilder.record("row").fields()
        .optionalString("request_id")
        .optionalInt(LABEL)
        .name("model_ids").type().nullable().array().items().longType().noDefault()
        .endRecord();
    Map<String, Integer> nullLabels = new LinkedHashMap<>();
    Map<String, TrainingSetMetadata.SplitCounts> splits = new LinkedHashMap<>();
    for (Map.Entry<String, Integer> split : rows.entrySet()) {
      Path folder = Files.createDirectories(dir.resolve(split.getKey()));
      int positives = 0;
      int nulls = 0;
      int row = 0;
      for (int part = 0; part < PARTS; part++) {
        int partRows = split.getValue() / PARTS + (part < split.getValue() % PARTS ? 1 : 0);
        Path file = folder.resolve(String.format("part-%05d-of-%05d.parquet", part, PARTS));
        try (ParquetWriter<GenericRecord> writer = AvroParquetWriter.<GenericRecord>builder(
            HadoopOutputFile.fromPath(new org.apache.hadoop.fs.Path(file.toUri()), new Configuration()))
            .withSchema(schema).build()) {
          boolean flat = flatValidation && split.getKey().equals("validation");
          for (int i = 0; i < partRows; i++, row++) {
            int[] values = new int[inputs.size()];
            List<Long> ids = new ArrayList<>();
            for (int f = 0; f < values.length; f++) {
              values[f] = flat ? 0 : random.nextInt(vocabulary);
              ids.add(valueIds[f][values[f]]);
            }
            if (split.getKey().equals("test") && row == split.getValue() - 1 && badTestRowWidth >= 0) {
              ids = ids.subList(0, badTestRowWidth);
            }
            double logOdds = -3.0 + 3.0 * (values[0] < 5 ? 1 : 0) + 3.0 * (values[1] < 5 ? 1 : 0)
                + 2.5 * (values[2] < 10 && values[3] < 10 ? 1 : 0);
            boolean positive = flat ? row % 2 == 0 : random.nextDouble() < 1 / (1 + Math.exp(-logOdds));
            Integer label = positive ? 1 : 0;
            if (!flat && !positive && random.nextDouble() < nullLabelRate) {
              label = null;
              nulls++;
            }
            positives += positive ? 1 : 0;
            GenericRecord record = new GenericData.Record(schema);
            record.put("request_id", split.getKey() + "-" + row);
            record.put(LABEL, label);
            record.put("model_ids", ids);
            writer.write(record);
          }
        }
      }
      nullLabels.put(split.getKey(), nulls);
      splits.put(split.getKey(), TrainingSetMetadata.SplitCounts.of(split.getValue(), positives));
    }
    List<TrainingSetMetadata.Feature> features = List.of(new TrainingSetMetadata.Feature("request_id", "string"),
        new TrainingSetMetadata.Feature(LABEL, "int"));
    new TrainingSetMetadata(new SpecRef(specName, 1, specSha256), features, LABEL,
        new TrainingSetMetadata.ModelIds("model_ids", "xxh64", 0, inputs), null,
        new Splits<>(splits.get("train"), splits.get("validation"), splits.get("test"))).write(dir);
    return nullLabels;
  }
}
