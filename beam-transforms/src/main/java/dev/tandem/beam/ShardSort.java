package dev.tandem.beam;

import dev.tandem.spec.encoding.Values;
import java.io.IOException;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
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
   * What every shuffle carries: (shard, block), a block being the (sort key, encoded row) pairs
   * of some of the shard's rows, packed by a {@link Writer}. Rows travel encoded and by the
   * block, so a runner's shuffle copies bytes, handling one element per block instead of one per
   * row, and the sort after it takes them as they are.
   */
  static final Coder<KV<Integer, byte[]>> SHUFFLED = KvCoder.of(VarIntCoder.of(), ByteArrayCoder.of());

  /** Bytes of (sort key, row) pairs a block holds before it goes out. */
  static final int BLOCK_BYTES = 32 << 10;

  /** A row bound for a shuffle: its shard, its sort key and its encoded bytes. */
  record Keyed(int shard, byte[] sortKey, byte[] row) {}

  static Keyed shuffled(int shard, byte[] sortKey, TaggedRow row, TaggedRow.Coder coder) {
    return new Keyed(shard, sortKey, coder.toBytes(row));
  }

  /**
   * One shuffle of blocks from several inputs: flattened ("Flatten") and grouped by shard
   * ("Shuffle", a {@link StreamedGroupByKey}), in the composite being expanded.
   */
  static PCollection<KV<Integer, Iterable<byte[]>>> shuffle(PCollectionList<KV<Integer, byte[]>> blocks) {
    return blocks.apply("Flatten", Flatten.pCollections()).apply("Shuffle", StreamedGroupByKey.create());
  }

  /**
   * A step whose output goes into a shuffle ({@link #SHUFFLED}): it hands each row to
   * {@link #output}, which packs it into its shard's block; a block goes out when full, and the
   * rest when the bundle finishes. Memory: one block per shard.
   */
  abstract static class Writer<InputT> extends DoFn<InputT, KV<Integer, byte[]>> {
    private transient Map<Integer, RowBytes.Writer> blocks;

    @StartBundle
    public void startBundle() {
      blocks = new HashMap<>();
    }

    /** Packs a row into its shard's block, sending the block on when it is full. */
    protected void output(Keyed row, OutputReceiver<KV<Integer, byte[]>> out) {
      RowBytes.Writer block = blocks.computeIfAbsent(row.shard(), shard -> new RowBytes.Writer());
      block.writeSized(row.sortKey());
      block.writeSized(row.row());
      if (block.size() >= BLOCK_BYTES) {
        out.output(KV.of(row.shard(), block.toByteArray()));
        block.reset();
      }
    }

    @FinishBundle
    public void finishBundle(FinishBundleContext c) {
      blocks.forEach((shard, block) -> {
        if (block.size() > 0) {
          c.output(KV.of(shard, block.toByteArray()), BoundedWindow.TIMESTAMP_MIN_VALUE, GlobalWindow.INSTANCE);
        }
      });
      blocks.clear();
    }
  }

  /** A stable shard of a key: the same in every JVM (String.hashCode is specified), well mixed. */
  static int shardOf(String keyText, int shards) {
    int h = keyText.hashCode() * 0x9E3779B9;
    return Math.floorMod(h ^ (h >>> 16), shards);
  }

  /** Memory for each shard's sort before it spills to disk. */
  static final long SORT_BUFFER_BYTES = 64L << 20;

  /**
   * Sorts one shard's (sort key, row) pairs, as its blocks hold them, by key, within {@link #SORT_BUFFER_BYTES}, and hands
   * them over in order.
   */
  static void sorted(Iterable<byte[]> blocks, TaggedRow.Coder rowCoder, SortedConsumer consumer)
      throws IOException {
    try (ExternalSorter sorter = new ExternalSorter(SORT_BUFFER_BYTES)) {
      for (byte[] block : blocks) {
        RowBytes.Reader pairs = new RowBytes.Reader(block);
        while (pairs.hasMore()) {
          sorter.add(pairs.readSized(), pairs.readSized());
        }
      }
      for (Iterator<ExternalSorter.Pair> it = sorter.sorted(); it.hasNext(); ) {
        ExternalSorter.Pair p = it.next();
        consumer.accept(p.key(), rowCoder.fromBytes(p.value()));
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
