package dev.tandem.beam;

import dev.tandem.spec.FeatureSpec;
import dev.tandem.spec.def.TableDef;
import dev.tandem.spec.def.Type;
import dev.tandem.spec.encoding.Values;
import dev.tandem.spec.eval.FeaturePlan;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.Row;

/**
 * The last step of {@link TandemFeatures}: every part of every request in, one output row per
 * request out. A request's parts are its slots: 0 the request row ({@link KeyRequest}), then each
 * window group's terms ({@link WindowGroupTerms}), then each last join's row
 * ({@link LastJoinRows}). They are shuffled on a shard of the request key, sorted so that a
 * request's parts are adjacent (request key, then slot) and evaluated by the core
 * ({@link FeaturePlan#evaluate}).
 */
final class AssembleFeatures extends PTransform<PCollectionList<KV<Integer, byte[]>>, PCollection<Row>> {
  private final SpecSource spec;
  private final Schema schema;

  /** Output rows of {@code schema}: the spec's features, then, when it has one more field, the request's time. */
  AssembleFeatures(SpecSource spec, Schema schema) {
    this.spec = spec;
    this.schema = schema;
  }

  @Override
  public PCollection<Row> expand(PCollectionList<KV<Integer, byte[]>> parts) {
    return ShardSort.shuffle(parts)
        .apply("Sort and evaluate", ParDo.of(new SortAndEvaluate(spec, schema)))
        .setRowSchema(schema);
  }

  /** The coder of the parts: slot 0 a request row, then each group's terms, then each join's table row. */
  static TaggedRow.Coder partCoder(FeatureSpec spec) {
    FeaturePlan plan = spec.plan();
    List<List<Type>> slotTypes = new ArrayList<>();
    slotTypes.add(TandemSchemas.carriedTypes(plan.requestTable()));
    plan.groups().forEach(g -> slotTypes.add(g.termTypes()));
    plan.joins().forEach(j -> slotTypes.add(spec.table(j.table()).types()));
    return new TaggedRow.Coder(slotTypes);
  }

  /** A request's part, keyed for the gathering: a shard of the request key, then (request key, slot). */
  static ShardSort.Keyed part(FeatureSpec spec, int shards, Object[] requestRow, TaggedRow part,
      TaggedRow.Coder partCoder) {
    FeaturePlan plan = spec.plan();
    TableDef request = plan.requestTable();
    Object key = plan.requestKey(requestRow); // never NULL: such requests were rejected
    int shard = ShardSort.shardOf(Values.keyText(request.typeOf(request.key()), key, spec.timezone()), shards);
    return ShardSort.shuffled(shard, plan.requestSortKey(requestRow, part.tag()), part, partCoder);
  }

  /** Each request row as slot 0 of its gathering. */
  static final class KeyRequest extends ShardSort.Writer<Object[]> {
    private final SpecSource spec;
    private final int shards;
    private final TaggedRow.Coder partCoder;

    KeyRequest(SpecSource spec, int shards) {
      this.spec = spec;
      this.shards = shards;
      this.partCoder = partCoder(spec.get());
    }

    @ProcessElement
    public void process(@Element Object[] row, OutputReceiver<KV<Integer, byte[]>> out) {
      output(part(spec.get(), shards, row, new TaggedRow(0, row), partCoder), out);
    }
  }

  /** Sorts a shard so each request's parts are adjacent, and evaluates each request's output row. */
  static final class SortAndEvaluate extends DoFn<KV<Integer, Iterable<byte[]>>, Row> {
    private final SpecSource spec;
    private final Schema schema;
    private final TaggedRow.Coder coder;
    private final Counter rowsOut = Metrics.counter(TandemFeatures.METRICS, "rows out");

    SortAndEvaluate(SpecSource spec, Schema schema) {
      this.spec = spec;
      this.schema = schema;
      this.coder = partCoder(spec.get());
    }

    @ProcessElement
    public void process(@Element KV<Integer, Iterable<byte[]>> shard, OutputReceiver<Row> out)
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
        Object[] values = plan.assemble(request, terms, joined);
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
