package dev.tandem.beam;

import dev.tandem.spec.FeatureSpec;
import dev.tandem.spec.def.FeatureDef;
import dev.tandem.spec.def.TableDef;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.WriteFilesResult;
import org.apache.beam.sdk.io.parquet.ParquetIO;
import org.apache.beam.sdk.transforms.Contextful;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionRowTuple;
import org.apache.beam.sdk.values.Row;

/**
 * Parquet tables laid out as one folder per spec table ({@code DIR/<table>/*.parquet}), read into
 * and written from Beam rows with the spec's schemas, as named, immutable transforms (their files
 * outside a pipeline: {@link TandemFiles}).
 *
 * <pre>{@code
 * PCollectionRowTuple tables = p.apply(TandemParquet.read(spec, "data/"));  // one PCollection<Row> per table, and __rejected
 * PCollection<Row> features = tables.apply(TandemFeatures.of(spec));
 * features.apply(TandemParquet.write(spec, "out/"));                        // out/part-0000N-of-00004.parquet
 * }</pre>
 *
 * <p>Types: see {@link TandemFiles}. Call {@link TandemFiles#check} before a run to get every
 * mismatch at once.
 */
public final class TandemParquet {
  /** Files per written table ({@code part-0000i-of-00004.parquet}). */
  public static final int OUTPUT_FILES = 4;

  private TandemParquet() {}

  /**
   * Reads the tables the spec's features read ({@link dev.tandem.spec.eval.FeaturePlan#tables}) from
   * {@code DIR/<table>/*.parquet}, plus the rows rejected while reading (a text value that does not
   * parse as its column's type) as {@link TandemFeatures#REJECTED}. A declared table no feature
   * reads is not read.
   */
  public static Read read(FeatureSpec spec, String dataDir) {
    return new Read(new SpecSource(spec), dataDir);
  }

  /** Writes the feature table to {@code outDir/part-*.parquet}. */
  public static Write write(FeatureSpec spec, String outDir) {
    return new Write("features", outputAvroSchema(spec).toString(), outDir);
  }

  /** Writes training rows ({@link TandemTrainingSet#schema}) to {@code outDir/part-*.parquet}. */
  public static Write writeTrainingSet(FeatureSpec spec, String outDir) {
    Schema features = outputAvroSchema(spec);
    List<Schema.Field> fields = new ArrayList<>();
    for (Schema.Field f : features.getFields()) {
      fields.add(new Schema.Field(f.name(), f.schema(), f.doc(), f.defaultVal()));
    }
    fields.add(new Schema.Field(TandemTrainingSet.MODEL_IDS, Schema.createArray(Schema.create(Schema.Type.LONG))));
    return new Write("training rows", Schema.createRecord("training_row", null, "dev.tandem", false, fields).toString(), outDir);
  }

  /** Writes rejected rows ({@link TandemSchemas#REJECTED}) to {@code outDir/part-*.parquet}. */
  public static Write writeRejected(String outDir) {
    return new Write("rejected rows", SchemaBuilder.record("rejected").namespace("dev.tandem").fields()
        .requiredString("table").requiredString("reason").requiredString("row").endRecord().toString(), outDir);
  }

  /** {@link #read}: one Parquet source per table the features read, and the rows they rejected, flattened. */
  public static final class Read extends PTransform<PBegin, PCollectionRowTuple> {
    private final SpecSource spec;
    private final String dataDir;

    private Read(SpecSource spec, String dataDir) {
      this.spec = spec;
      this.dataDir = dataDir;
    }

    @Override
    public PCollectionRowTuple expand(PBegin begin) {
      FeatureSpec s = spec.get();
      PCollectionRowTuple tuple = PCollectionRowTuple.empty(begin.getPipeline());
      PCollectionList<Row> rejected = PCollectionList.empty(begin.getPipeline());
      for (String name : s.plan().tables()) {
        TableDef t = s.table(name);
        PCollectionRowTuple read = begin.apply("Read " + t.name(),
            new ParquetTableSource(t, TandemFiles.tableGlob(dataDir, t), s.timezone()));
        tuple = tuple.and(t.name(), read.get(t.name()));
        rejected = rejected.and(read.get(TandemFeatures.REJECTED));
      }
      return tuple.and(TandemFeatures.REJECTED,
          rejected.apply("Rejected while reading", Flatten.pCollections()).setRowSchema(TandemSchemas.REJECTED));
    }

    /** The spec, the folder and the tables read. */
    @Override
    public void populateDisplayData(DisplayData.Builder builder) {
      super.populateDisplayData(builder);
      FeatureSpec s = spec.get();
      spec.display(builder)
          .add(DisplayData.item("dataDir", dataDir).withLabel("Parquet tables (DIR/<table>/*.parquet)"))
          .add(DisplayData.item("tables", String.join(", ", s.plan().tables())).withLabel("Tables read"));
    }
  }

  /**
   * {@link #write}, {@link #writeTrainingSet}, {@link #writeRejected}: rows as
   * {@code OUT/part-0000N-of-0000M.parquet}, {@value #OUTPUT_FILES} files. The rows travel to their
   * files as rows (their schema coder costs far less than Avro's) and become Avro records in the
   * file writer. The write groups rows by output shard: in the single window, runners that would
   * collect a shard's rows into one in-memory list stream them instead (see {@link StreamedGroupByKey}).
   */
  public static final class Write extends PTransform<PCollection<Row>, WriteFilesResult<Void>> {
    private final String what;
    private final String avroJson;
    private final String outDir;

    private Write(String what, String avroJson, String outDir) {
      this.what = what;
      this.avroJson = avroJson;
      this.outDir = outDir;
    }

    @Override
    public WriteFilesResult<Void> expand(PCollection<Row> rows) {
      Schema avro = new Schema.Parser().parse(avroJson);
      return rows
          .apply("Single window", Window.into(new StreamedGroupByKey.SingleWindow()))
          .apply("Write Parquet",
              files(FileIO.<Row>write().via(Contextful.fn(new RowToRecord(avroJson)), ParquetIO.sink(avro)), outDir));
    }

    /** What is written, where, in how many files. */
    @Override
    public void populateDisplayData(DisplayData.Builder builder) {
      super.populateDisplayData(builder);
      builder.add(DisplayData.item("rows", what).withLabel("Rows written"))
          .add(DisplayData.item("outDir", outDir).withLabel("Output folder"))
          .add(DisplayData.item("files", OUTPUT_FILES).withLabel("Files"));
    }
  }

  /**
   * Writes Avro records as {@code OUT/part-0000N-of-0000M.parquet}, {@value #OUTPUT_FILES} files, as
   * {@link Write} does.
   */
  public static PTransform<PCollection<GenericRecord>, WriteFilesResult<Void>> writeRecords(Schema avro, String outDir) {
    return new PTransform<>() {
      @Override
      public WriteFilesResult<Void> expand(PCollection<GenericRecord> records) {
        return records
            .apply("Single window", Window.into(new StreamedGroupByKey.SingleWindow()))
            .apply("Write Parquet", files(FileIO.<GenericRecord>write().via(ParquetIO.sink(avro)), outDir));
      }
    };
  }

  /** A file write to {@code OUT/part-0000N-of-0000M.parquet}, {@value #OUTPUT_FILES} files. */
  private static <T> FileIO.Write<Void, T> files(FileIO.Write<Void, T> write, String outDir) {
    return write
        .to(outDir)
        .withPrefix("part")
        .withSuffix(".parquet")
        // Fixed shards: with runner-chosen sharding, Spark runs at high parallelism wrote
        // file sets of different shard counts whose names collided, and rows were lost.
        .withNumShards(OUTPUT_FILES);
  }

  /** The Avro schema Parquet output is written with: nullable fields, timestamps as timestamp-millis. */
  static Schema outputAvroSchema(FeatureSpec spec) {
    SchemaBuilder.FieldAssembler<Schema> fields = SchemaBuilder.record("features").namespace("dev.tandem").fields();
    for (FeatureDef f : spec.features()) {
      fields = fields.name(f.name()).type(ParquetTableWriter.nullable(f.type(), LogicalTypes.timestampMillis())).withDefault(null);
    }
    return fields.endRecord();
  }

  /** A feature Row to an Avro record of {@link #outputAvroSchema}. */
  static final class RowToRecord implements SerializableFunction<Row, GenericRecord> {
    private final String avroJson;
    private transient Schema avro;

    RowToRecord(String avroJson) {
      this.avroJson = avroJson;
    }

    @Override
    public GenericRecord apply(Row row) {
      if (avro == null) {
        avro = new Schema.Parser().parse(avroJson);
      }
      GenericData.Record record = new GenericData.Record(avro);
      for (int i = 0; i < row.getFieldCount(); i++) {
        Object v = row.getValue(i);
        record.put(i, v instanceof org.joda.time.ReadableInstant t ? (Object) t.getMillis() : v);
      }
      return record;
    }
  }
}
