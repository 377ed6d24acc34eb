package dev.tandem.beam;

import dev.tandem.spec.encoding.Values;
import java.io.IOException;
import java.util.Iterator;
import java.util.function.Supplier;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderException;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.util.CoderUtils;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;

/**
 * What every Tandem shuffle shares: rows keyed by a stable shard of their key and carried as
 * (sort key, encoded row) bytes; after the shuffle, each shard sorted by an external sort and
 * streamed in order, in runs of equal keys.
 */
final class ShardSort {
  private ShardSort() {}

  /**
   * What every shuffle carries: (shard, (sort key, encoded row)). Rows travel encoded, so a
   * runner's shuffle only copies bytes, and the sort after it takes them as they are.
   */
  static final Coder<KV<Integer, KV<byte[], byte[]>>> SHUFFLED =
      KvCoder.of(VarIntCoder.of(), KvCoder.of(ByteArrayCoder.of(), ByteArrayCoder.of()));

  static KV<Integer, KV<byte[], byte[]>> shuffled(int shard, byte[] sortKey, TaggedRow row, TaggedRow.Coder coder) {
    try {
      return KV.of(shard, KV.of(sortKey, CoderUtils.encodeToByteArray(coder, row)));
    } catch (CoderException e) {
      throw new IllegalStateException("cannot encode a row for the shuffle", e);
    }
  }

  /**
   * One shuffle of keyed rows from several inputs: flattened ("Flatten") and grouped by shard
   * ("Shuffle", a {@link StreamedGroupByKey}), in the composite being expanded.
   */
  static PCollection<KV<Integer, Iterable<KV<byte[], byte[]>>>> shuffle(PCollectionList<KV<Integer, KV<byte[], byte[]>>> keyed) {
    return keyed.apply("Flatten", Flatten.pCollections()).apply("Shuffle", StreamedGroupByKey.create());
  }

  /** A stable shard of a key: the same in every JVM (String.hashCode is specified), well mixed. */
  static int shardOf(String keyText, int shards) {
    int h = keyText.hashCode() * 0x9E3779B9;
    return Math.floorMod(h ^ (h >>> 16), shards);
  }

  /** Memory for each shard's sort before it spills to disk. */
  static final long SORT_BUFFER_BYTES = 64L << 20;

  /**
   * Sorts one shard's (sort key, row) pairs by key, within {@link #SORT_BUFFER_BYTES}, and hands
   * them over in order.
   */
  static void sorted(Iterable<KV<byte[], byte[]>> shard, TaggedRow.Coder rowCoder, SortedConsumer consumer)
      throws IOException {
    try (ExternalSorter sorter = new ExternalSorter(SORT_BUFFER_BYTES)) {
      for (KV<byte[], byte[]> kv : shard) {
        sorter.add(kv.getKey(), kv.getValue());
      }
      for (Iterator<ExternalSorter.Pair> it = sorter.sorted(); it.hasNext(); ) {
        ExternalSorter.Pair p = it.next();
        consumer.accept(p.key(), CoderUtils.decodeFromByteArray(rowCoder, p.value()));
      }
    }
  }

  interface SortedConsumer {
    void accept(byte[] sortKey, TaggedRow row);
  }

  /** While a sorted shard streams by, the state of the current run of equal keys: fresh when the key changes. */
  static final class Runs<S> {
    private final Supplier<S> fresh;
    private Object key;
    private S state;

    Runs(Supplier<S> fresh) {
      this.fresh = fresh;
    }

    S of(Object runKey) {
      Object k = Values.groupingKey(runKey);
      if (state == null || !k.equals(key)) {
        key = k;
        state = fresh.get();
      }
      return state;
    }
  }
}
