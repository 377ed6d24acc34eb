package dev.tandem.beam;

import dev.tandem.spec.FeatureSpec;
import dev.tandem.spec.def.TableDef;
import dev.tandem.spec.encoding.RowCodec;
import dev.tandem.spec.encoding.Values;
import dev.tandem.spec.eval.IngestedRow;
import dev.tandem.spec.eval.StatePlan;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Distribution;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionRowTuple;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TupleTagList;

/**
 * The state an online server reads, as a Beam transform: the same named input tables as
 * {@link TandemFeatures} in, one row per (store, key value) out, holding the rows that key keeps
 * (schema {@link #SCHEMA}).
 *
 * <pre>{@code
 * FeatureSpec spec = FeatureSpec.load(Path.of("feature-spec/specs/jd.yaml"));
 * Pipeline p = Pipeline.create(options);
 * PCollection<Row> state = p
 *     .apply(TandemParquet.read(spec, "data/"))                          // or your own PCollection<Row>s
 *     .apply(TandemState.of(spec).asOf(Instant.parse("2016-04-16T00:00:00Z")));
 * state.apply(ParDo.of(new WriteToMyStore()));  // table, column, key, value (RowCodec blob), rows, kept
 * p.run().waitUntilFinish();
 * }</pre>
 *
 * <p>For every {@link StatePlan.Store} of the spec (rows of one table kept per value of one
 * column): the table's rows, rejected as {@link TandemFeatures} rejects them (NULL time, NULL
 * request key), without rows after {@link #asOf} and rows whose key is NULL, with the columns the
 * spec does not read set to NULL ({@link StatePlan.Store#project}), are shuffled on a shard of
 * the key's canonical text, sorted by (key, ingestion sequence) with an external sort, and each
 * key's run is streamed through {@link StatePlan.Store#retain}. Retention is applied whenever the
 * buffer has doubled since the last time, so a hot key holds about twice what it keeps, never
 * all its rows. The kept rows are encoded with {@link RowCodec}: the value the online server
 * decodes.
 *
 * <p>Counters (namespace {@value TandemFeatures#METRICS}): {@code rows read: T} and {@code rows
 * rejected: T} as in {@link TandemFeatures}, {@code rows after as-of: T}, and per store
 * {@code S = "T by C"}: {@code state keys: S}, {@code state bytes: S}, {@code rows with NULL key: S},
 * {@code rows dropped by retention: S}. The distribution {@code sequence: T} has the largest
 * ingestion sequence of T's rows read (before the as-of cut): online ingestion continues after it;
 * {@code time: T} the times of T's rows kept (its maximum is where the files end).
 */
public final class TandemState extends PTransform<PCollectionRowTuple, PCollection<Row>> {
  /** One row per store and key value: the key as canonical text, the kept rows as a {@link RowCodec} blob. */
  public static final Schema SCHEMA = Schema.builder()
      .addStringField("table").addStringField("column").addStringField("key")
      .addByteArrayField("value").addInt64Field("rows").addInt64Field("kept")
      .build();

  /** The name of the distribution holding the largest ingestion sequence of a table's rows read. */
  public static String sequenceMetric(String table) {
    return "sequence: " + table;
  }

  /** The name of the distribution holding the times (epoch milliseconds) of a table's rows kept (at or before the as-of cut). */
  public static String timeMetric(String table) {
    return "time: " + table;
  }

  /** Rows a key buffers before retention is first applied: one retain call per row would cost more than it saves. */
  static final int MIN_BUFFER = 1024;

  private final SpecSource spec;
  private final Instant asOf;
  private final int minBuffer;

  private TandemState(SpecSource spec, Instant asOf, int minBuffer) {
    this.spec = spec;
    this.asOf = asOf;
    this.minBuffer = minBuffer;
  }

  public static TandemState of(FeatureSpec spec) {
    return new TandemState(new SpecSource(spec), null, MIN_BUFFER);
  }

  /** The spec (name and SHA-256 of its text) and the as-of cut, when there is one. */
  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    spec.display(builder)
        .addIfNotNull(DisplayData.item("asOf", asOf == null ? null : asOf.toString()).withLabel("Rows at or before"));
  }

  /** The same transform ignoring every row whose time is after {@code asOf}: the state as it was then. */
  public TandemState asOf(Instant asOf) {
    return new TandemState(spec, asOf, minBuffer);
  }

  /** For tests: retention from {@code rows} buffered rows on, so that small data exercises the incremental path. */
  TandemState minBuffer(int rows) {
    return new TandemState(spec, asOf, rows);
  }

  @Override
  public PCollection<Row> expand(PCollectionRowTuple input) {
    FeatureSpec s = spec.get();
    List<StatePlan.Store> stores = s.plan().state().stores();
    Map<String, PCollection<Object[]>> tables = new HashMap<>();
    PCollectionList<Row> out = PCollectionList.empty(input.getPipeline());
    for (int i = 0; i < stores.size(); i++) {
      StatePlan.Store store = stores.get(i);
      TaggedRow.Coder coder = new TaggedRow.Coder(List.of(TandemSchemas.carriedTypes(store.table())));
      out = out.and(tables.computeIfAbsent(store.table().name(), name -> rows(input, store.table()))
          .apply("Key " + store, ParDo.of(new KeyByStore(spec, i, coder)))
          .setCoder(ShardSort.SHUFFLED)
          .apply("Shuffle " + store, StreamedGroupByKey.create())
          .apply("Sort and retain " + store, ParDo.of(new Retain(spec, i, coder, minBuffer)))
          .setRowSchema(SCHEMA));
    }
    return out.apply("State", Flatten.pCollections()).setRowSchema(SCHEMA);
  }

  /** A table's usable rows until {@link #asOf}, as carried rows (values, then sequence). */
  private PCollection<Object[]> rows(PCollectionRowTuple input, TableDef table) {
    if (!input.has(table.name())) {
      throw new IllegalArgumentException("input has no table '" + table.name() + "' (given: "
          + String.join(", ", input.getAll().keySet()) + ")");
    }
    PCollectionTuple values = input.get(table.name()).apply("Values of " + table.name(),
        ParDo.of(new CarriedRows.ToValues(table))
            .withOutputTags(CarriedRows.ToValues.VALUES, TupleTagList.of(CarriedRows.ToValues.REJECTED)));
    values.get(CarriedRows.ToValues.REJECTED).setRowSchema(TandemSchemas.REJECTED); // counted, not kept
    TaggedRow.ValuesCoder coder = new TaggedRow.ValuesCoder(TandemSchemas.carriedTypes(table));
    return values.get(CarriedRows.ToValues.VALUES).setCoder(coder)
        .apply("Until as-of " + table.name(), ParDo.of(new UntilAsOf(table, asOf == null ? null : asOf.toEpochMilli())))
        .setCoder(coder);
  }

  /** Drops rows after the as-of time (when there is one) and records the largest sequence read. */
  static final class UntilAsOf extends DoFn<Object[], Object[]> {
    private final int timeIndex;
    private final Long asOfMillis;
    private final Counter after;
    private final Distribution sequences;
    private final Distribution times;

    UntilAsOf(TableDef table, Long asOfMillis) {
      this.timeIndex = table.time() == null ? -1 : table.indexOf(table.time());
      this.asOfMillis = asOfMillis;
      this.after = Metrics.counter(TandemFeatures.METRICS, "rows after as-of: " + table.name());
      this.sequences = Metrics.distribution(TandemFeatures.METRICS, sequenceMetric(table.name()));
      this.times = Metrics.distribution(TandemFeatures.METRICS, timeMetric(table.name()));
    }

    @ProcessElement
    public void process(@Element Object[] row, OutputReceiver<Object[]> out) {
      sequences.update((Long) row[row.length - 1]);
      if (asOfMillis != null && timeIndex >= 0 && millis(row[timeIndex]) > asOfMillis) {
        after.inc();
      } else {
        if (timeIndex >= 0) {
          times.update(millis(row[timeIndex]));
        }
        out.output(row);
      }
    }

    private static long millis(Object time) {
      return time instanceof Instant t ? t.toEpochMilli() : ((Number) time).longValue();
    }
  }

  /** Projects a store's rows and keys them by a shard of the key text; rows with a NULL key are dropped. */
  static final class KeyByStore extends ShardSort.Writer<Object[]> {
    private final SpecSource spec;
    private final int store;
    private final TaggedRow.Coder coder;
    private final Counter nullKeys;

    KeyByStore(SpecSource spec, int store, TaggedRow.Coder coder) {
      this.spec = spec;
      this.store = store;
      this.coder = coder;
      this.nullKeys = Metrics.counter(TandemFeatures.METRICS, "rows with NULL key: " + store(spec, store));
    }

    @ProcessElement
    public void process(@Element Object[] carried, OutputReceiver<KV<Integer, byte[]>> out) {
      StatePlan.Store s = store(spec, store);
      IngestedRow row = TandemSchemas.ingested(carried);
      Object key = s.key(row.values());
      if (key == null) {
        nullKeys.inc();
        return;
      }
      String text = Values.keyText(s.keyType(), key, spec.get().timezone());
      Object[] projected = Arrays.copyOf(s.project(row.values()), carried.length);
      projected[projected.length - 1] = row.sequence();
      output(ShardSort.shuffled(ShardSort.shardOf(text, TandemFeatures.DEFAULT_SHARDS),
          sortKey(text, row.sequence()), new TaggedRow(0, projected), coder), out);
    }
  }

  /**
   * The key text's UTF-8 bytes with 0x00 escaped as 0x00 0xFF and a 0x00 0x00 terminator (so no
   * key's bytes are a prefix of another's and each key's rows are adjacent once sorted), then the
   * sequence as 8 bytes whose unsigned order is the signed order.
   */
  static byte[] sortKey(String keyText, long sequence) {
    ByteArrayOutputStream b = new ByteArrayOutputStream(keyText.length() + 12);
    for (byte c : keyText.getBytes(StandardCharsets.UTF_8)) {
      b.write(c);
      if (c == 0) {
        b.write(0xFF);
      }
    }
    b.write(0);
    b.write(0);
    long v = sequence ^ Long.MIN_VALUE;
    for (int shift = 56; shift >= 0; shift -= 8) {
      b.write((int) (v >>> shift));
    }
    return b.toByteArray();
  }

  /** Sorts a shard by (key, sequence) and streams each key's run through the store's retention. */
  static final class Retain extends DoFn<KV<Integer, Iterable<byte[]>>, Row> {
    private final SpecSource spec;
    private final int store;
    private final TaggedRow.Coder coder;
    private final int minBuffer;
    private final Counter keys;
    private final Counter bytes;
    private final Counter dropped;

    Retain(SpecSource spec, int store, TaggedRow.Coder coder, int minBuffer) {
      this.spec = spec;
      this.store = store;
      this.coder = coder;
      this.minBuffer = minBuffer;
      StatePlan.Store s = store(spec, store);
      this.keys = Metrics.counter(TandemFeatures.METRICS, "state keys: " + s);
      this.bytes = Metrics.counter(TandemFeatures.METRICS, "state bytes: " + s);
      this.dropped = Metrics.counter(TandemFeatures.METRICS, "rows dropped by retention: " + s);
    }

    @ProcessElement
    public void process(@Element KV<Integer, Iterable<byte[]>> shard, OutputReceiver<Row> out)
        throws IOException {
      KeyRun run = new KeyRun(store(spec, store), spec.get(), out);
      ShardSort.sorted(shard.getValue(), coder, run::accept);
      run.emit();
    }

    /** The key being streamed: its rows so far, trimmed by retention as they come. */
    private final class KeyRun {
      private final StatePlan.Store store;
      private final FeatureSpec spec;
      private final RowCodec codec;
      private final OutputReceiver<Row> out;
      private byte[] sortKey;
      private String keyText;
      private List<IngestedRow> buffer = new ArrayList<>();
      private long rows;
      private int retainAt = minBuffer;

      KeyRun(StatePlan.Store store, FeatureSpec spec, OutputReceiver<Row> out) {
        this.store = store;
        this.spec = spec;
        this.codec = new RowCodec(store.table());
        this.out = out;
      }

      void accept(byte[] rowSortKey, TaggedRow tagged) {
        IngestedRow row = TandemSchemas.ingested(tagged.values());
        if (sortKey == null || !sameKey(sortKey, rowSortKey)) {
          emit();
          sortKey = rowSortKey;
          keyText = Values.keyText(store.keyType(), store.key(row.values()), spec.timezone());
        }
        buffer.add(row);
        rows++;
        // retain(retain(A) + B) = retain(A + B) for one key's rows, so trimming early changes nothing.
        if (buffer.size() >= retainAt) {
          buffer = new ArrayList<>(store.retain(buffer));
          retainAt = Math.max(minBuffer, 2 * buffer.size());
        }
      }

      void emit() {
        if (rows == 0) {
          return;
        }
        List<IngestedRow> kept = store.retain(buffer);
        byte[] value = codec.encode(kept);
        out.output(Row.withSchema(SCHEMA)
            .addValues(store.table().name(), store.column(), keyText, value, rows, (long) kept.size()).build());
        keys.inc();
        bytes.inc(value.length);
        dropped.inc(rows - kept.size());
        buffer = new ArrayList<>();
        rows = 0;
        retainAt = minBuffer;
      }

      /** Sort keys of one key differ only in their last 8 bytes, the sequence. */
      private static boolean sameKey(byte[] a, byte[] b) {
        return a.length == b.length && Arrays.equals(a, 0, a.length - 8, b, 0, b.length - 8);
      }
    }
  }

  private static StatePlan.Store store(SpecSource spec, int index) {
    return spec.get().plan().state().stores().get(index);
  }
}
