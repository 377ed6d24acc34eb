package dev.tandem.beam;

import dev.tandem.spec.def.Type;
import dev.tandem.spec.encoding.Values;
import dev.tandem.spec.eval.FeaturePlan;
import dev.tandem.spec.eval.IngestedRow;
import dev.tandem.spec.eval.JoinPlan;
import dev.tandem.spec.eval.WindowGroup;
import java.time.ZoneOffset;
import java.util.function.Function;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.values.KV;

/**
 * Rows of one input of a shuffle (tag 0: the requests), keyed by a stable shard of their key and
 * carrying the core's sort key, ready for {@link SortAndSweep}. A row whose key is NULL matches
 * nothing and is dropped; unless it is a request, it is counted as unreachable.
 */
final class KeyByShard extends ShardSort.Writer<Object[]> {
  private final SpecSource spec;
  private final SerializableFunction<FeaturePlan, ShuffleKey> keyOf;
  private final int tag;
  private final int shards;
  private final TaggedRow.Coder coder;
  private final Counter unreachable;
  private transient ShuffleKey key;
  private transient ZoneOffset timezone;

  private KeyByShard(SpecSource spec, SerializableFunction<FeaturePlan, ShuffleKey> keyOf, int tag, String table,
      int shards, TaggedRow.Coder coder) {
    this.spec = spec;
    this.keyOf = keyOf;
    this.tag = tag;
    this.shards = shards;
    this.coder = coder;
    this.unreachable = Metrics.counter(TandemFeatures.METRICS, "unreachable rows (NULL key): " + table);
  }

  /**
   * Source {@code source} of window group {@code group} by its partition key, sorted by
   * {@link WindowGroup#sortKey}. A request with a NULL key gets its window of itself at assembly.
   */
  static KeyByShard windows(SpecSource spec, int group, int source, int shards, TaggedRow.Coder coder) {
    String table = spec.get().plan().groups().get(group).sources().get(source);
    return new KeyByShard(spec, plan -> {
      WindowGroup g = plan.groups().get(group);
      return new ShuffleKey(row -> g.partitionKey(source, row), plan.requestTable().typeOf(g.partitionColumn()),
          row -> g.sortKey(g.entry(source, TandemSchemas.ingested(row))));
    }, source, table, shards, coder);
  }

  /** Last join {@code join}'s requests (side 0) or table rows (side 1) by the join key, sorted by {@link JoinPlan#sortKey}. */
  static KeyByShard lastJoin(SpecSource spec, int join, int side, int shards, TaggedRow.Coder coder) {
    String table = spec.get().plan().joins().get(join).table();
    return new KeyByShard(spec, plan -> {
      JoinPlan j = plan.joins().get(join);
      boolean isRequest = side == 0;
      return new ShuffleKey(row -> isRequest ? j.requestKey(row) : j.tableKey(row),
          plan.requestTable().typeOf(j.def().requestColumn()), row -> {
            IngestedRow ingested = TandemSchemas.ingested(row);
            return j.sortKey(isRequest, ingested.values(), ingested.sequence());
          });
    }, side, table, shards, coder);
  }

  @Setup
  public void setup() {
    key = keyOf.apply(spec.get().plan());
    timezone = spec.get().timezone();
  }

  @ProcessElement
  public void process(@Element Object[] row, OutputReceiver<KV<Integer, byte[]>> out) {
    Object k = key.key().apply(row);
    if (k == null) {
      if (tag > 0) {
        unreachable.inc();
      }
      return;
    }
    int shard = ShardSort.shardOf(Values.keyText(key.type(), k, timezone), shards);
    output(ShardSort.shuffled(shard, key.sortKey().apply(row), new TaggedRow(tag, row), coder), out);
  }

  /** How an input is keyed: a row's key (NULL: it matches nothing), the key's type, a row's sort key. */
  record ShuffleKey(Function<Object[], Object> key, Type type, Function<Object[], byte[]> sortKey) {}
}
