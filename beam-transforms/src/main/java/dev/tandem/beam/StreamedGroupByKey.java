package dev.tandem.beam;

import java.util.Collection;
import java.util.List;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.NonMergingWindowFn;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.transforms.windowing.WindowFn;
import org.apache.beam.sdk.transforms.windowing.WindowMappingFn;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;

/**
 * A {@link GroupByKey} whose groups a runner can hand over as a stream instead of a list.
 *
 * <p>Beam's Spark runner (2.62) groups the global window with {@code combineByKey}, which builds
 * each key's values into one in-memory list (and caches it): a shard holding a hot key would have
 * to fit in an executor's heap. For any other non-merging window it uses Spark's sort-based
 * shuffle ({@code repartitionAndSortWithinPartitions}) and iterates a key's values straight off
 * the sorted, spillable stream. So the group runs in a window that is the global window under
 * another name ({@link SingleWindow}), and the result is put back into {@link GlobalWindows}.
 * Other runners see an ordinary GroupByKey; Tandem's sweeps read each group once, in one pass.
 * {@link TandemParquet}'s writes put their rows in the same window, for the same reason: a file
 * write groups its rows by output shard.
 */
final class StreamedGroupByKey<K, V> extends PTransform<PCollection<KV<K, V>>, PCollection<KV<K, Iterable<V>>>> {

  static <K, V> StreamedGroupByKey<K, V> create() {
    return new StreamedGroupByKey<>();
  }

  @Override
  public PCollection<KV<K, Iterable<V>>> expand(PCollection<KV<K, V>> input) {
    return input
        .apply("Single window", Window.into(new SingleWindow()))
        .apply("Group", GroupByKey.create())
        .apply("Global window", Window.into(new GlobalWindows()));
  }

  /** Puts every element into the global window, without being {@link GlobalWindows}. */
  static final class SingleWindow extends NonMergingWindowFn<Object, GlobalWindow> {
    @Override
    public Collection<GlobalWindow> assignWindows(AssignContext c) {
      return List.of(GlobalWindow.INSTANCE);
    }

    @Override
    public boolean isCompatible(WindowFn<?, ?> other) {
      return other instanceof SingleWindow;
    }

    @Override
    public Coder<GlobalWindow> windowCoder() {
      return GlobalWindow.Coder.INSTANCE;
    }

    @Override
    public WindowMappingFn<GlobalWindow> getDefaultWindowMappingFn() {
      return new GlobalWindows().getDefaultWindowMappingFn();
    }

    @Override
    public boolean equals(Object other) {
      return other instanceof SingleWindow;
    }

    @Override
    public int hashCode() {
      return SingleWindow.class.hashCode();
    }
  }
}
