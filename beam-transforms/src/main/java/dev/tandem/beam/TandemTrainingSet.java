package dev.tandem.beam;

import dev.tandem.spec.FeatureSpec;
import dev.tandem.spec.encoding.ModelEncoder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollectionRowTuple;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;

/**
 * A training set from a spec: its feature rows (the label among them) plus {@link #MODEL_IDS},
 * the model's input ids as the spec's {@code model} section encodes them, split by request time:
 * {@link #TRAIN} before {@code validationFrom}, {@link #VALIDATION} before {@code testFrom},
 * {@link #TEST} from then on. Rejected rows come out as {@link TandemFeatures#REJECTED}.
 *
 * <pre>{@code
 * FeatureSpec spec = FeatureSpec.load(Path.of("feature-spec/specs/jd.yaml"));   // with label and model
 * Pipeline p = Pipeline.create(options);
 * PCollectionRowTuple splits = p
 *     .apply(TandemParquet.read(spec, "data/"))                                 // or your own PCollection<Row>s
 *     .apply(TandemTrainingSet.of(spec, Instant.parse("2018-04-09T00:00:00Z"), Instant.parse("2018-04-13T00:00:00Z")));
 * for (String split : TandemTrainingSet.SPLITS) {
 *   splits.get(split).apply("Write " + split, TandemParquet.writeTrainingSet(spec, "out/" + split));
 * }
 * p.run().waitUntilFinish();
 * }</pre>
 *
 * <p>From Parquet files, {@link #fromParquet} reads them straight into the core's values:
 * {@code p.apply(TandemTrainingSet.of(spec, validationFrom, testFrom).fromParquet("data/"))}.
 */
public final class TandemTrainingSet extends PTransform<PCollectionRowTuple, PCollectionRowTuple> {
  public static final String TRAIN = "train";
  public static final String VALIDATION = "validation";
  public static final String TEST = "test";
  public static final String MODEL_IDS = "model_ids";
  public static final List<String> SPLITS = List.of(TRAIN, VALIDATION, TEST);

  private final SpecSource spec;
  private final long validationFrom;
  private final long testFrom;
  private final int shards;

  private TandemTrainingSet(SpecSource spec, long validationFrom, long testFrom, int shards) {
    this.spec = spec;
    this.validationFrom = validationFrom;
    this.testFrom = testFrom;
    this.shards = shards;
  }

  private TandemTrainingSet(FeatureSpec spec, Instant validationFrom, Instant testFrom) {
    if (spec.model() == null || spec.label() == null) {
      throw new IllegalArgumentException(spec.file() + ": a training set needs a 'label' and a 'model' section");
    }
    if (!validationFrom.isBefore(testFrom)) {
      throw new IllegalArgumentException("validation must start before test: " + validationFrom + " >= " + testFrom);
    }
    this.spec = new SpecSource(spec);
    this.validationFrom = validationFrom.toEpochMilli();
    this.testFrom = testFrom.toEpochMilli();
    this.shards = TandemFeatures.DEFAULT_SHARDS;
  }

  /** The same transform shuffling on {@code shards} shards of each key ({@link TandemFeatures#withShards}). */
  public TandemTrainingSet withShards(int shards) {
    features(shards); // checks the count
    return new TandemTrainingSet(spec, validationFrom, testFrom, shards);
  }

  private TandemFeatures features(int shards) {
    return TandemFeatures.of(spec.get()).withShards(shards).withRequestTime();
  }

  /** Requests before {@code validationFrom} train, before {@code testFrom} validate, later test. */
  public static TandemTrainingSet of(FeatureSpec spec, Instant validationFrom, Instant testFrom) {
    return new TandemTrainingSet(spec, validationFrom, testFrom);
  }

  /** The schema of a training row: the spec's features, then {@link #MODEL_IDS} (array of int64). */
  public static Schema schema(FeatureSpec spec) {
    return Schema.builder().addFields(TandemSchemas.output(spec).getFields())
        .addArrayField(MODEL_IDS, Schema.FieldType.INT64).build();
  }

  /** The spec (name and SHA-256 of its text), where the splits start, the shards of each shuffle. */
  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    spec.display(builder)
        .add(DisplayData.item("validationFrom", Instant.ofEpochMilli(validationFrom).toString()).withLabel("Validation from"))
        .add(DisplayData.item("testFrom", Instant.ofEpochMilli(testFrom).toString()).withLabel("Test from"))
        .add(DisplayData.item("shards", shards).withLabel("Shards of each shuffle"));
  }

  @Override
  public PCollectionRowTuple expand(PCollectionRowTuple input) {
    return splits(input.apply("Features", features(shards).withRejectedRows()));
  }

  /**
   * The same training set from Parquet tables ({@code DIR/<table>/*.parquet}), read straight into
   * the core's values ({@link TandemFeatures#fromParquet}).
   *
   * <pre>{@code
   * PCollectionRowTuple splits = p.apply(TandemTrainingSet.of(spec, validationFrom, testFrom).fromParquet("data/"));
   * }</pre>
   */
  public PTransform<PBegin, PCollectionRowTuple> fromParquet(String dataDir) {
    TandemTrainingSet set = this;
    return new PTransform<>("TandemTrainingSet from Parquet") {
      @Override
      public PCollectionRowTuple expand(PBegin begin) {
        return set.splits(begin.apply("Features", set.features(set.shards).fromParquet(dataDir)));
      }
    };
  }

  /** Feature rows with their request time ({@link TandemFeatures#FEATURES}) to encoded rows per split, rejected rows passed on. */
  private PCollectionRowTuple splits(PCollectionRowTuple features) {
    FeatureSpec s = spec.get();
    Schema schema = schema(s);
    Split split = new Split(spec, schema, validationFrom, testFrom);
    PCollectionTuple splits = features.get(TandemFeatures.FEATURES).apply("Encode and split",
        ParDo.of(split).withOutputTags(Split.TAGS.get(0), TupleTagList.of(List.of(Split.TAGS.get(1), Split.TAGS.get(2)))));
    PCollectionRowTuple out = PCollectionRowTuple.of(TandemFeatures.REJECTED, features.get(TandemFeatures.REJECTED));
    for (int i = 0; i < SPLITS.size(); i++) {
      out = out.and(SPLITS.get(i), splits.get(Split.TAGS.get(i)).setRowSchema(schema));
    }
    return out;
  }

  /** Encodes a feature row and sends it to its split by request time. */
  static final class Split extends DoFn<Row, Row> {
    static final List<TupleTag<Row>> TAGS = List.of(new TupleTag<>() {}, new TupleTag<>() {}, new TupleTag<>() {});

    private final SpecSource spec;
    private final Schema schema;
    private final long validationFrom;
    private final long testFrom;
    private final List<Counter> rows = new ArrayList<>();
    private final List<Counter> positives = new ArrayList<>();
    private transient ModelEncoder encoder;
    private transient int labelIndex;

    Split(SpecSource spec, Schema schema, long validationFrom, long testFrom) {
      this.spec = spec;
      this.schema = schema;
      this.validationFrom = validationFrom;
      this.testFrom = testFrom;
      for (String split : SPLITS) {
        rows.add(Metrics.counter(TandemFeatures.METRICS, "rows: " + split));
        positives.add(Metrics.counter(TandemFeatures.METRICS, "positives: " + split));
      }
    }

    @Setup
    public void setup() {
      FeatureSpec s = spec.get();
      encoder = s.modelEncoder();
      labelIndex = TandemSchemas.output(s).indexOf(s.label());
    }

    @ProcessElement
    public void process(@Element Row row, MultiOutputReceiver out) {
      int n = row.getFieldCount() - 1; // the last field is the request time
      Object[] features = new Object[n];
      for (int i = 0; i < n; i++) {
        Object v = row.getValue(i);
        features[i] = v instanceof org.joda.time.ReadableInstant t ? java.time.Instant.ofEpochMilli(t.getMillis()) : v;
      }
      org.joda.time.ReadableInstant time = row.getDateTime(TandemFeatures.REQUEST_TIME);
      long t = time == null ? Long.MIN_VALUE : time.getMillis();
      int split = t < validationFrom ? 0 : t < testFrom ? 1 : 2;
      List<Long> ids = new ArrayList<>();
      for (long id : encoder.encode(features)) {
        ids.add(id);
      }
      Object[] values = new Object[n + 1];
      for (int i = 0; i < n; i++) {
        values[i] = row.getValue(i);
      }
      values[n] = ids;
      rows.get(split).inc();
      Object label = features[labelIndex];
      if (label instanceof Number number && number.doubleValue() > 0) {
        positives.get(split).inc();
      }
      out.get(TAGS.get(split)).output(Row.withSchema(schema).attachValues(Arrays.asList(values)));
    }
  }
}
