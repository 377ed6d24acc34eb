package dev.tandem.beam;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.IterableCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;

/**
 * A GroupByKey that shuffles on a fixed number of shards of the key instead of the key itself,
 * then regroups by key inside each shard. Partition keys are many and small (one per user, per
 * product...): a shuffle per key costs every runner a bundle per key, which dominates on the
 * Direct runner. The result is the same as {@link GroupByKey}.
 */
final class ShardedGroupByKey<V> extends PTransform<PCollection<KV<String, V>>, PCollection<KV<String, Iterable<V>>>> {
  private final int shards;

  ShardedGroupByKey(int shards) {
    this.shards = shards;
  }

  @Override
  public PCollection<KV<String, Iterable<V>>> expand(PCollection<KV<String, V>> input) {
    KvCoder<String, V> kvCoder = (KvCoder<String, V>) input.getCoder();
    Coder<V> valueCoder = kvCoder.getValueCoder();
    return input
        .apply("Shard", ParDo.of(new ToShard<V>(shards)))
        .setCoder(KvCoder.of(VarIntCoder.of(), kvCoder))
        .apply("Shuffle", GroupByKey.create())
        .apply("Regroup by key", ParDo.of(new Regroup<V>()))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), IterableCoder.of(valueCoder)));
  }

  /** A stable shard of a key: the same in every JVM (String.hashCode is specified), well mixed. */
  static int shardOf(String key, int shards) {
    int h = key.hashCode() * 0x9E3779B9;
    return Math.floorMod(h ^ (h >>> 16), shards);
  }

  static final class ToShard<V> extends DoFn<KV<String, V>, KV<Integer, KV<String, V>>> {
    private final int shards;

    ToShard(int shards) {
      this.shards = shards;
    }

    @ProcessElement
    public void process(@Element KV<String, V> kv, OutputReceiver<KV<Integer, KV<String, V>>> out) {
      out.output(KV.of(shardOf(kv.getKey(), shards), kv));
    }
  }

  static final class Regroup<V> extends DoFn<KV<Integer, Iterable<KV<String, V>>>, KV<String, Iterable<V>>> {
    @ProcessElement
    public void process(@Element KV<Integer, Iterable<KV<String, V>>> shard, OutputReceiver<KV<String, Iterable<V>>> out) {
      Map<String, List<V>> byKey = new HashMap<>();
      for (KV<String, V> kv : shard.getValue()) {
        byKey.computeIfAbsent(kv.getKey(), k -> new ArrayList<>()).add(kv.getValue());
      }
      byKey.forEach((key, values) -> out.output(KV.of(key, values)));
    }
  }
}
