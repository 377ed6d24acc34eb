package dev.tandem.beam;

import dev.tandem.spec.FeaturePlan;
import dev.tandem.spec.FeatureSpec;
import dev.tandem.spec.IngestedRow;
import dev.tandem.spec.JoinPlan;
import dev.tandem.spec.TableDef;
import dev.tandem.spec.Type;
import dev.tandem.spec.Values;
import dev.tandem.spec.WindowGroup;
import dev.tandem.spec.WindowSweep;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionRowTuple;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;

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
 * <p>The transform only groups, orders and delivers rows; every feature value is computed by the
 * spec's evaluation core ({@link FeaturePlan}), the same code the online server runs:
 *
 * <ol>
 *   <li>per window group: the request rows and union-table rows, shuffled on a shard of their
 *       partition key, sorted by the core's sort key (time, then the tie rule) and swept
 *       ({@link WindowSweep});
 *   <li>per last join: request rows and the joined table's rows, shuffled on a shard of the join
 *       key, sorted and streamed through a {@link JoinPlan.JoinSweep};
 *   <li>all partial results of a request, shuffled on a shard of its key, sorted so that they
 *       are adjacent, and evaluated ({@link FeaturePlan#evaluate}).
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
  private final transient Map<String, PCollection<Object[]>> converted = new HashMap<>();
  private final transient List<PCollection<Row>> rejected = new ArrayList<>();

  private TandemFeatures(FeatureSpec spec, int shards, boolean requestTime) {
    this.spec = new SpecSource(spec);
    this.shards = shards;
    this.requestTime = requestTime;
  }

  public static TandemFeatures of(FeatureSpec spec) {
    return new TandemFeatures(spec, DEFAULT_SHARDS, false);
  }

  /**
   * The same transform with one more output field, {@link #REQUEST_TIME}: the time of the
   * request each row belongs to (to split training data by time, for instance).
   */
  public TandemFeatures withRequestTime() {
    return new TandemFeatures(spec.get(), shards, true);
  }

  /** The same transform shuffling on {@code shards} shards of each key (default {@value #DEFAULT_SHARDS}). */
  public TandemFeatures withShards(int shards) {
    if (shards < 1) {
      throw new IllegalArgumentException("shards must be at least 1, got " + shards);
    }
    return new TandemFeatures(spec.get(), shards, requestTime);
  }

  /**
   * The same transform returning both the feature rows ({@link #FEATURES}) and the rows it could
   * not use ({@link #REJECTED}: a NULL time, a NULL request key, or a value a source could not
   * parse), each with its reason. {@link #of} alone counts rejected rows in the
   * {@code rows rejected: <table>} counter and leaves them out.
   */
  public PTransform<PCollectionRowTuple, PCollectionRowTuple> withRejectedRows() {
    TandemFeatures features = this;
    return new PTransform<>("TandemFeatures with rejected rows") {
      @Override
      public PCollectionRowTuple expand(PCollectionRowTuple input) {
        PCollection<Row> rows = input.apply("Features", features);
        PCollectionList<Row> rejected = PCollectionList.of(features.rejected);
        if (input.has(REJECTED)) {
          rejected = rejected.and(input.get(REJECTED));
        }
        return PCollectionRowTuple.of(FEATURES, rows, REJECTED,
            rejected.apply("Rejected rows", Flatten.pCollections()).setRowSchema(TandemSchemas.REJECTED));
      }
    };
  }

  @Override
  public PCollection<Row> expand(PCollectionRowTuple input) {
    converted.clear();
    rejected.clear();
    FeatureSpec s = spec.get();
    FeaturePlan plan = s.plan();
    TableDef request = plan.requestTable();
    PCollection<Object[]> requests = values(input, request);

    // Slot types of the final gathering: 0 = request row, then each group's terms, then each join's table row.
    List<List<Type>> slotTypes = new ArrayList<>();
    slotTypes.add(TandemSchemas.carriedTypes(request));
    plan.groups().forEach(g -> slotTypes.add(g.termTypes()));
    plan.joins().forEach(j -> slotTypes.add(s.table(j.table()).types()));
    TaggedRow.Coder slotCoder = new TaggedRow.Coder(slotTypes);

    List<PCollection<KV<Integer, KV<byte[], byte[]>>>> parts = new ArrayList<>();
    parts.add(requests.apply("Key requests", ParDo.of(new KeyRequest(spec, shards, slotCoder))).setCoder(ShardSort.SHUFFLED));

    for (WindowGroup g : plan.groups()) {
      List<List<Type>> sourceTypes = new ArrayList<>();
      for (String table : g.sources()) {
        sourceTypes.add(TandemSchemas.carriedTypes(s.table(table)));
      }
      TaggedRow.Coder coder = new TaggedRow.Coder(sourceTypes);
      List<PCollection<KV<Integer, KV<byte[], byte[]>>>> sources = new ArrayList<>();
      for (int source = 0; source < g.sources().size(); source++) {
        TableDef t = s.table(g.sources().get(source));
        PCollection<Object[]> rows = source == 0 ? requests : values(input, t);
        sources.add(rows.apply("Partition " + t.name() + " by " + g.partitionColumn() + " [" + g.index() + "]",
            ParDo.of(new KeyByPartition(spec, g.index(), source, shards, coder))).setCoder(ShardSort.SHUFFLED));
      }
      String name = "Window " + g.describe();
      parts.add(PCollectionList.of(sources)
          .apply(name + "/Flatten", Flatten.pCollections())
          .apply(name + "/Shuffle", StreamedGroupByKey.create())
          .apply(name + "/Sort and sweep", ParDo.of(SortAndSweep.windows(spec, g.index(), shards, coder, slotCoder)))
          .setCoder(ShardSort.SHUFFLED));
    }

    for (JoinPlan j : plan.joins()) {
      TableDef t = s.table(j.table());
      TaggedRow.Coder coder = new TaggedRow.Coder(List.of(TandemSchemas.carriedTypes(request), TandemSchemas.carriedTypes(t)));
      String name = "Last join " + j.def().name();
      PCollection<KV<Integer, KV<byte[], byte[]>>> left = requests
          .apply(name + "/Key requests", ParDo.of(new KeyJoin(spec, j.index(), 0, shards, coder))).setCoder(ShardSort.SHUFFLED);
      PCollection<KV<Integer, KV<byte[], byte[]>>> right = values(input, t)
          .apply(name + "/Key " + t.name(), ParDo.of(new KeyJoin(spec, j.index(), 1, shards, coder))).setCoder(ShardSort.SHUFFLED);
      parts.add(PCollectionList.of(left).and(right)
          .apply(name + "/Flatten", Flatten.pCollections())
          .apply(name + "/Shuffle", StreamedGroupByKey.create())
          .apply(name + "/Sort and pick", ParDo.of(SortAndSweep.lastJoin(spec, j.index(), shards, coder, slotCoder)))
          .setCoder(ShardSort.SHUFFLED));
    }

    Schema outputSchema = requestTime
        ? Schema.builder().addFields(TandemSchemas.output(s).getFields()).addNullableField(REQUEST_TIME, Schema.FieldType.DATETIME).build()
        : TandemSchemas.output(s);
    return PCollectionList.of(parts)
        .apply("Assemble/Flatten", Flatten.pCollections())
        .apply("Assemble/Shuffle", StreamedGroupByKey.create())
        .apply("Assemble/Sort and evaluate", ParDo.of(new Assemble(spec, outputSchema, slotCoder)))
        .setRowSchema(outputSchema);
  }

  /** Converts each input table once to core value arrays. */
  private PCollection<Object[]> values(PCollectionRowTuple input, TableDef table) {
    return converted.computeIfAbsent(table.name(), name -> {
      if (!input.has(name)) {
        throw new IllegalArgumentException("input has no table '" + name + "' (the spec needs: "
            + String.join(", ", spec.get().tables().stream().map(TableDef::name).toList()) + "; given: "
            + String.join(", ", input.getAll().keySet()) + ")");
      }
      TableDef request = spec.get().plan().requestTable();
      PCollectionTuple values = input.get(name).apply("Values of " + name,
          ParDo.of(new ToValues(table, table == request ? request.key() : null))
              .withOutputTags(ToValues.VALUES, TupleTagList.of(ToValues.REJECTED)));
      rejected.add(values.get(ToValues.REJECTED).setRowSchema(TandemSchemas.REJECTED));
      return values.get(ToValues.VALUES).setCoder(new TaggedRow.ValuesCoder(TandemSchemas.carriedTypes(table)));
    });
  }

  private static String keyText(FeatureSpec spec, Type type, Object key) {
    return Values.keyText(type, key, spec.timezone());
  }

  // ------------------------------------------------------------------ DoFns

  /**
   * Beam rows to carried rows (the columns' core values, then the ingestion sequence), or to
   * rejected rows: a row without a time cannot be placed in time, a request without a key cannot
   * be told apart.
   */
  static final class ToValues extends DoFn<Row, Object[]> {
    static final TupleTag<Object[]> VALUES = new TupleTag<>() {};
    static final TupleTag<Row> REJECTED = new TupleTag<>() {};

    private final TableDef table;
    private final int timeIndex;
    private final int keyIndex;
    private final Counter read;
    private final Counter rejected;

    ToValues(TableDef table, String requiredKey) {
      this.table = table;
      this.timeIndex = table.time() == null ? -1 : table.indexOf(table.time());
      this.keyIndex = requiredKey == null ? -1 : table.indexOf(requiredKey);
      this.read = Metrics.counter(METRICS, "rows read: " + table.name());
      this.rejected = Metrics.counter(METRICS, "rows rejected: " + table.name());
    }

    @ProcessElement
    public void process(@Element Row row, MultiOutputReceiver out) {
      read.inc();
      Object[] values = TandemSchemas.carried(row, table);
      String reason = timeIndex >= 0 && values[timeIndex] == null ? "column '" + table.time() + "': NULL time"
          : keyIndex >= 0 && values[keyIndex] == null ? "column '" + table.key() + "': NULL request key"
          : null;
      if (reason == null) {
        out.get(VALUES).output(values);
      } else {
        rejected.inc();
        out.get(REJECTED).output(TandemSchemas.rejected(table.name(), reason, TandemSchemas.describe(table.names(), values)));
      }
    }
  }

  /** The gathering key of a request's parts. */
  static KV<Integer, KV<byte[], byte[]>> part(FeatureSpec spec, int shards, Object[] requestRow, TaggedRow part,
      TaggedRow.Coder slotCoder) {
    FeaturePlan plan = spec.plan();
    TableDef request = plan.requestTable();
    Object key = plan.requestKey(requestRow); // never NULL: such requests were rejected
    int shard = ShardSort.shardOf(keyText(spec, request.typeOf(request.key()), key), shards);
    return ShardSort.shuffled(shard, plan.requestSortKey(requestRow, part.tag()), part, slotCoder);
  }

  /** Each request row as slot 0 of its gathering. */
  static final class KeyRequest extends DoFn<Object[], KV<Integer, KV<byte[], byte[]>>> {
    private final SpecSource spec;
    private final int shards;
    private final TaggedRow.Coder slotCoder;

    KeyRequest(SpecSource spec, int shards, TaggedRow.Coder slotCoder) {
      this.spec = spec;
      this.shards = shards;
      this.slotCoder = slotCoder;
    }

    @ProcessElement
    public void process(@Element Object[] row, OutputReceiver<KV<Integer, KV<byte[], byte[]>>> out) {
      out.output(part(spec.get(), shards, row, new TaggedRow(0, row), slotCoder));
    }
  }

  /** Rows of one source of a window group, keyed by a shard of the partition key; NULL keys are dropped. */
  static final class KeyByPartition extends DoFn<Object[], KV<Integer, KV<byte[], byte[]>>> {
    private final SpecSource spec;
    private final int group;
    private final int source;
    private final int shards;
    private final TaggedRow.Coder coder;
    private final Counter unreachable;

    KeyByPartition(SpecSource spec, int group, int source, int shards, TaggedRow.Coder coder) {
      this.spec = spec;
      this.group = group;
      this.source = source;
      this.shards = shards;
      this.coder = coder;
      String table = spec.get().plan().groups().get(group).sources().get(source);
      this.unreachable = Metrics.counter(METRICS, "unreachable rows (NULL key): " + table);
    }

    @ProcessElement
    public void process(@Element Object[] row, OutputReceiver<KV<Integer, KV<byte[], byte[]>>> out) {
      FeatureSpec s = spec.get();
      WindowGroup g = s.plan().groups().get(group);
      Object key = g.partitionKey(source, row);
      if (key == null) {
        if (source > 0) {
          unreachable.inc();
        }
        return; // a request with a NULL key gets its window of itself at assembly
      }
      Type type = s.plan().requestTable().typeOf(g.partitionColumn());
      WindowGroup.Entry e = g.entry(source, TandemSchemas.ingested(row));
      out.output(ShardSort.shuffled(ShardSort.shardOf(keyText(s, type, key), shards), g.sortKey(e), new TaggedRow(source, row), coder));
    }
  }

  /** Requests (side 0) or the joined table's rows (side 1), keyed by a shard of the join key; NULL keys are dropped. */
  static final class KeyJoin extends DoFn<Object[], KV<Integer, KV<byte[], byte[]>>> {
    private final SpecSource spec;
    private final int join;
    private final int side;
    private final int shards;
    private final TaggedRow.Coder coder;
    private final Counter unreachable;

    KeyJoin(SpecSource spec, int join, int side, int shards, TaggedRow.Coder coder) {
      this.spec = spec;
      this.join = join;
      this.side = side;
      this.shards = shards;
      this.coder = coder;
      this.unreachable = Metrics.counter(METRICS, "unreachable rows (NULL key): " + spec.get().plan().joins().get(join).table());
    }

    @ProcessElement
    public void process(@Element Object[] row, OutputReceiver<KV<Integer, KV<byte[], byte[]>>> out) {
      FeatureSpec s = spec.get();
      JoinPlan j = s.plan().joins().get(join);
      boolean isRequest = side == 0;
      Object key = isRequest ? j.requestKey(row) : j.tableKey(row);
      if (key == null) {
        if (!isRequest) {
          unreachable.inc();
        }
        return;
      }
      Type type = s.plan().requestTable().typeOf(j.def().requestColumn());
      IngestedRow ingested = TandemSchemas.ingested(row);
      byte[] sortKey = j.sortKey(isRequest, ingested.values(), ingested.sequence());
      out.output(ShardSort.shuffled(ShardSort.shardOf(keyText(s, type, key), shards), sortKey, new TaggedRow(side, row), coder));
    }
  }

  /**
   * Sorts a shard and streams it through a {@link ShardSweep}: each run of equal keys (a window
   * group's partition, a last join's key) through its own sweep. Memory is the sort buffer and
   * what the sweeps keep.
   */
  static final class SortAndSweep extends DoFn<KV<Integer, Iterable<KV<byte[], byte[]>>>, KV<Integer, KV<byte[], byte[]>>> {
    private final SpecSource spec;
    private final SerializableFunction<FeaturePlan, ShardSweep> sweep;
    private final int slot;
    private final int shards;
    private final TaggedRow.Coder coder;
    private final TaggedRow.Coder slotCoder;

    private SortAndSweep(SpecSource spec, SerializableFunction<FeaturePlan, ShardSweep> sweep, int slot, int shards,
        TaggedRow.Coder coder, TaggedRow.Coder slotCoder) {
      this.spec = spec;
      this.sweep = sweep;
      this.slot = slot;
      this.shards = shards;
      this.coder = coder;
      this.slotCoder = slotCoder;
    }

    /** Window group {@code group}'s rows: each partition swept, each request's terms in slot 1 + group. */
    static SortAndSweep windows(SpecSource spec, int group, int shards, TaggedRow.Coder coder, TaggedRow.Coder slotCoder) {
      return new SortAndSweep(spec, plan -> ShardSweep.windows(plan.groups().get(group)), 1 + group, shards, coder,
          slotCoder);
    }

    /** Last join {@code join}'s rows: each request's picked row in slot 1 + groups + join. */
    static SortAndSweep lastJoin(SpecSource spec, int join, int shards, TaggedRow.Coder coder, TaggedRow.Coder slotCoder) {
      return new SortAndSweep(spec, plan -> ShardSweep.lastJoin(plan.joins().get(join)),
          1 + spec.get().plan().groups().size() + join, shards, coder, slotCoder);
    }

    @ProcessElement
    public void process(@Element KV<Integer, Iterable<KV<byte[], byte[]>>> shard,
        OutputReceiver<KV<Integer, KV<byte[], byte[]>>> out) throws IOException {
      FeatureSpec s = spec.get();
      ShardSweep runs = sweep.apply(s.plan());
      ShardSweep.Parts parts = (request, values) -> out.output(part(s, shards, request, new TaggedRow(slot, values), slotCoder));
      ShardSort.sorted(shard.getValue(), coder, (sortKey, row) -> runs.accept(row, parts));
    }
  }

  /** A sorted shard's rows, one by one, completing some requests' parts. */
  interface ShardSweep {
    void accept(TaggedRow row, Parts out);

    /** Receives a request's part: the request row and the part's values. */
    interface Parts {
      void output(Object[] requestRow, Object[] values);
    }

    /** Each partition's run through a {@link WindowSweep}: a request row gets its group's terms. */
    static ShardSweep windows(WindowGroup g) {
      ShardSort.Runs<WindowSweep> partitions = new ShardSort.Runs<>(g::sweep);
      return (row, out) -> {
        WindowGroup.Entry e = g.entry(row.tag(), TandemSchemas.ingested(row.values()));
        Object[] terms = partitions.of(g.partitionKey(e.source(), e.sourceRow())).accept(e);
        if (terms != null) {
          out.output(e.sourceRow(), terms);
        }
      };
    }

    /** Each join key's run through a {@link JoinPlan.JoinSweep}: a request row (tag 0) gets the row it picks. */
    static ShardSweep lastJoin(JoinPlan j) {
      ShardSort.Runs<JoinPlan.JoinSweep> keys = new ShardSort.Runs<>(j::sweep);
      return (row, out) -> {
        Object[] values = TandemSchemas.ingested(row.values()).values();
        boolean isRequest = row.tag() == 0;
        JoinPlan.JoinSweep sweep = keys.of(isRequest ? j.requestKey(values) : j.tableKey(values));
        if (!isRequest) {
          sweep.acceptTableRow(values);
          return;
        }
        Object[] picked = sweep.pick(values);
        if (picked != null) {
          out.output(values, picked);
        }
      };
    }
  }

  /** Sorts a shard so each request's parts are adjacent, and evaluates each request's output row. */
  static final class Assemble extends DoFn<KV<Integer, Iterable<KV<byte[], byte[]>>>, Row> {
    private final SpecSource spec;
    private final Schema schema;
    private final TaggedRow.Coder coder;
    private final Counter rowsOut = Metrics.counter(METRICS, "rows out");

    Assemble(SpecSource spec, Schema schema, TaggedRow.Coder coder) {
      this.spec = spec;
      this.schema = schema;
      this.coder = coder;
    }

    @ProcessElement
    public void process(@Element KV<Integer, Iterable<KV<byte[], byte[]>>> shard, OutputReceiver<Row> out)
        throws IOException {
      FeaturePlan plan = spec.get().plan();
      int groups = plan.groups().size();
      Gathering g = new Gathering(groups, plan.joins().size());
      ShardSort.sorted(shard.getValue(), coder, (sortKey, part) -> {
        // The sort key is the request's key, then the slot: a slot-0 part opens the next request.
        if (part.tag() == 0) {
          Object[] request = TandemSchemas.ingested(part.values()).values();
          if (g.keyPrefix != null && Arrays.equals(g.keyPrefix, prefix(sortKey))) {
            TableDef t = plan.requestTable();
            throw new IllegalArgumentException("table '" + t.name() + "', column '" + t.key()
                + "': duplicate request key '" + plan.requestKey(request) + "'");
          }
          g.emit(plan, schema, out, rowsOut);
          g.start(request, prefix(sortKey));
        } else if (part.tag() <= groups) {
          g.terms[part.tag() - 1] = part.values();
        } else {
          g.joined[part.tag() - 1 - groups] = part.values();
        }
      });
      g.emit(plan, schema, out, rowsOut);
    }

    private static byte[] prefix(byte[] sortKey) {
      return Arrays.copyOf(sortKey, sortKey.length - 1);
    }
  }

  /** The parts of the request being assembled. */
  private static final class Gathering {
    final Object[][] terms;
    final Object[][] joined;
    Object[] request;
    byte[] keyPrefix;
    boolean emitted = true;

    Gathering(int groups, int joins) {
      this.terms = new Object[groups][];
      this.joined = new Object[joins][];
    }

    void start(Object[] requestRow, byte[] prefix) {
      request = requestRow;
      keyPrefix = prefix;
      emitted = false;
      Arrays.fill(terms, null);
      Arrays.fill(joined, null);
    }

    void emit(FeaturePlan plan, Schema schema, DoFn.OutputReceiver<Row> out, Counter rowsOut) {
      if (!emitted) {
        Object[] values = plan.evaluate(request, terms, joined);
        if (schema.getFieldCount() > values.length) { // withRequestTime
          TableDef t = plan.requestTable();
          values = Arrays.copyOf(values, values.length + 1);
          values[values.length - 1] = request[t.indexOf(t.time())];
        }
        out.output(TandemSchemas.row(schema, values));
        rowsOut.inc();
        emitted = true;
      }
    }
  }
}
