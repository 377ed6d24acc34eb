package dev.tandem.beam;

import dev.tandem.spec.FeatureSpec;
import dev.tandem.spec.eval.FeaturePlan;
import dev.tandem.spec.eval.JoinPlan;
import dev.tandem.spec.eval.WindowGroup;
import dev.tandem.spec.eval.WindowSweep;
import java.util.List;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionRowTuple;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.Row;

/**
 * The feature table of a spec as a Beam transform: named input tables in, one row per request
 * out, with the spec's features as columns (schema: {@link TandemSchemas#output}).
 *
 * <pre>{@code
 * FeatureSpec spec = FeatureSpec.load(Path.of("feature-spec/specs/jd.yaml"));
 * Pipeline p = Pipeline.create(options);
 * PCollectionRowTuple tables = p.apply(TandemParquet.read(spec, "data/"));   // or your own PCollection<Row>s,
 *                                                                           // named as the spec's tables
 * PCollection<Row> features = tables.apply(TandemFeatures.of(spec));
 * features.apply(TandemParquet.write(spec, "out/"));                         // or continue with your own steps
 * p.run().waitUntilFinish();
 * }</pre>
 *
 * <p>The transform is immutable: {@link #withRequestTime()}, {@link #withShards} and
 * {@link #withRejectedRows()} return new transforms.
 *
 * <pre>{@code
 * PCollectionRowTuple out = tables.apply(TandemFeatures.of(spec).withRequestTime().withShards(16).withRejectedRows());
 * out.get(TandemFeatures.FEATURES);   // the features, then __request_time
 * out.get(TandemFeatures.REJECTED);   // table, reason, row: the rows it could not use
 * }</pre>
 *
 * Its display data names the spec (name, SHA-256) and the shards.
 *
 * <p>It only groups, orders and delivers rows; every feature value is computed by the spec's
 * evaluation core ({@link FeaturePlan}), the same code the online server runs. Its steps:
 *
 * <ol>
 *   <li>{@code Values}: each input table the spec reads as the core's values; rows without a
 *       time (or a request key) are rejected ({@link CarriedRows});
 *   <li>per window group, {@code Window <group>}: the request rows and union-table rows, shuffled
 *       on a shard of their partition key, sorted by the core's sort key (time, then the tie rule)
 *       and swept ({@link WindowSweep}), giving each request the group's terms
 *       ({@link WindowGroupTerms});
 *   <li>per last join, {@code Last join <name>}: request rows and the joined table's rows,
 *       shuffled on a shard of the join key, sorted and streamed through a
 *       {@link JoinPlan.JoinSweep}, giving each request its joined row ({@link LastJoinRows});
 *   <li>{@code Assemble}: all parts of a request, shuffled on a shard of its key, sorted so that
 *       they are adjacent, and evaluated ({@link FeaturePlan#evaluate}, {@link AssembleFeatures}).
 * </ol>
 *
 * <p>No step holds a key's rows in memory: each shard's rows go through an external sort
 * (memory-bounded, spilling to local disk) and are streamed, so memory is bounded by the
 * frames (ROWS n, MAXSIZE) and the sort buffer, not by the size of the hottest key.
 *
 * <p>Rows with a NULL key match nothing (as SQL equality): a request with a NULL partition key gets a
 * window holding only itself; one with a NULL join key gets NULL joined columns; event and
 * dimension rows with a NULL key are counted as unreachable.
 */
public final class TandemFeatures extends PTransform<PCollectionRowTuple, PCollection<Row>> {
  /** Shards of each shuffle: enough to spread work over all workers, few enough to keep bundles large. */
  public static final int DEFAULT_SHARDS = 64;

  /** Metric namespace of the transform's counters (rows read, rejected, unreachable, rows out). */
  public static final String METRICS = "tandem";

  /** The name of the feature rows in {@link #withRejectedRows()}'s output. */
  public static final String FEATURES = "features";

  /**
   * The name of rejected rows (schema {@link TandemSchemas#REJECTED}): in
   * {@link #withRejectedRows()}'s output, and optionally in the input (rows a source rejected, as
   * {@link TandemParquet#read} gives them), which are passed through.
   */
  public static final String REJECTED = "__rejected";

  /** With {@link #withRequestTime()}: the last output field, the request's time. */
  public static final String REQUEST_TIME = "__request_time";

  private final SpecSource spec;
  private final int shards;
  private final boolean requestTime;

  private TandemFeatures(SpecSource spec, int shards, boolean requestTime) {
    this.spec = spec;
    this.shards = shards;
    this.requestTime = requestTime;
  }

  public static TandemFeatures of(FeatureSpec spec) {
    return new TandemFeatures(new SpecSource(spec), DEFAULT_SHARDS, false);
  }

  /**
   * The same transform with one more output field, {@link #REQUEST_TIME}: the time of the
   * request each row belongs to (to split training data by time, for instance).
   */
  public TandemFeatures withRequestTime() {
    return new TandemFeatures(spec, shards, true);
  }

  /** The same transform shuffling on {@code shards} shards of each key (default {@value #DEFAULT_SHARDS}). */
  public TandemFeatures withShards(int shards) {
    if (shards < 1) {
      throw new IllegalArgumentException("shards must be at least 1, got " + shards);
    }
    return new TandemFeatures(spec, shards, requestTime);
  }

  /**
   * The same transform returning both the feature rows ({@link #FEATURES}) and the rows it could
   * not use ({@link #REJECTED}: a NULL time, a NULL request key, or a value a source could not
   * parse), each with its reason. {@link #of} alone counts rejected rows in the
   * {@code rows rejected: <table>} counter and leaves them out.
   */
  public PTransform<PCollectionRowTuple, PCollectionRowTuple> withRejectedRows() {
    return new WithRejectedRows(this);
  }

  /**
   * The same features read from Parquet tables ({@code DIR/<table>/*.parquet}, as
   * {@link TandemParquet#read} reads them: same columns, conversions, sequences and rejected rows),
   * returning {@link #FEATURES} and {@link #REJECTED} like {@link #withRejectedRows()}. Each file
   * is read straight into the core's values, without a Beam {@link Row} in between: the fast path
   * when the tables are Parquet files.
   *
   * <pre>{@code
   * PCollectionRowTuple out = p.apply(TandemFeatures.of(spec).fromParquet("data/"));
   * }</pre>
   */
  public PTransform<PBegin, PCollectionRowTuple> fromParquet(String dataDir) {
    return new FromParquet(this, dataDir);
  }

  @Override
  public PCollection<Row> expand(PCollectionRowTuple input) {
    return features(input.apply("Values", carriedRows()));
  }

  /** The spec (name and SHA-256 of its text), the shards of each shuffle, and whether the request time is added. */
  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    spec.display(builder)
        .add(DisplayData.item("shards", shards).withLabel("Shards of each shuffle"))
        .addIfNotDefault(DisplayData.item("requestTime", requestTime).withLabel("Request time as the last field"), false);
  }

  /** The tables the features read (the request table, each group's sources, each join's table), as carried rows. */
  private CarriedRows carriedRows() {
    return new CarriedRows(spec, spec.get().plan().tables());
  }

  /** Carried tables to feature rows: each request's parts (its row, each group's terms, each join's row), assembled. */
  private PCollection<Row> features(PCollectionTuple tables) {
    FeaturePlan plan = spec.get().plan();
    String request = plan.requestTable().name();
    PCollectionList<KV<Integer, byte[]>> parts = PCollectionList.of(tables.get(CarriedRows.tag(request))
        .apply("Key requests", ParDo.of(new AssembleFeatures.KeyRequest(spec, shards)))
        .setCoder(ShardSort.SHUFFLED));
    for (WindowGroup g : plan.groups()) {
      parts = parts.and(CarriedRows.of(tables, g.sources())
          .apply("Window " + g.describe(), new WindowGroupTerms(spec, g.index(), shards)));
    }
    for (JoinPlan j : plan.joins()) {
      parts = parts.and(CarriedRows.of(tables, List.of(request, j.table()))
          .apply("Last join " + j.def().name(), new LastJoinRows(spec, j.index(), shards)));
    }
    return parts.apply("Assemble", new AssembleFeatures(spec, outputSchema()));
  }

  /** {@link #FEATURES} of carried tables, and {@link #REJECTED}: the rows they could not carry. */
  private PCollectionRowTuple featuresAndRejected(PCollectionTuple tables) {
    return PCollectionRowTuple.of(FEATURES, features(tables), REJECTED, tables.get(CarriedRows.REJECTED));
  }

  /** The spec's features, then with {@link #withRequestTime()} the request's time. */
  private Schema outputSchema() {
    Schema features = TandemSchemas.output(spec.get());
    return requestTime
        ? Schema.builder().addFields(features.getFields()).addNullableField(REQUEST_TIME, Schema.FieldType.DATETIME).build()
        : features;
  }

  /** {@link #fromParquet}: the tables read from Parquet files, then the feature rows and every rejected row. */
  private static final class FromParquet extends PTransform<PBegin, PCollectionRowTuple> {
    private final TandemFeatures features;
    private final String dataDir;

    FromParquet(TandemFeatures features, String dataDir) {
      super("TandemFeatures from Parquet");
      this.features = features;
      this.dataDir = dataDir;
    }

    @Override
    public PCollectionRowTuple expand(PBegin begin) {
      PCollectionTuple tables = begin.apply("Read", CarriedRows.fromParquet(features.spec, features.spec.get().plan().tables(), dataDir));
      return features.featuresAndRejected(tables);
    }

    @Override
    public void populateDisplayData(DisplayData.Builder builder) {
      super.populateDisplayData(builder);
      builder.add(DisplayData.item("dataDir", dataDir).withLabel("Parquet tables (DIR/<table>/*.parquet)"));
      builder.delegate(features);
    }
  }

  /** {@link #withRejectedRows()}: the feature rows and every rejected row. */
  private static final class WithRejectedRows extends PTransform<PCollectionRowTuple, PCollectionRowTuple> {
    private final TandemFeatures features;

    WithRejectedRows(TandemFeatures features) {
      super("TandemFeatures with rejected rows");
      this.features = features;
    }

    @Override
    public PCollectionRowTuple expand(PCollectionRowTuple input) {
      PCollectionTuple tables = input.apply("Values", features.carriedRows());
      return features.featuresAndRejected(tables);
    }

    @Override
    public void populateDisplayData(DisplayData.Builder builder) {
      super.populateDisplayData(builder);
      builder.delegate(features);
    }
  }
}
