package dev.tandem.beam;

import dev.tandem.spec.FeatureSpec;
import dev.tandem.spec.def.Type;
import dev.tandem.spec.eval.WindowGroup;
import dev.tandem.spec.eval.WindowSweep;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;

/**
 * One window group's terms for each request: the group's sources (carried rows: the requests,
 * then the union tables) in, one part per request out (slot 1 + group, see
 * {@link AssembleFeatures}). The rows are shuffled on a shard of their partition key, sorted by
 * the core's sort key ({@link WindowGroup#sortKey}: partition key, time, then the tie rule) and
 * each partition's run is streamed through a {@link WindowSweep}. A request whose partition key
 * is NULL gets no part here: its window holds only itself ({@link AssembleFeatures}).
 */
final class WindowGroupTerms
    extends PTransform<PCollectionList<Object[]>, PCollection<KV<Integer, byte[]>>> {
  private final SpecSource spec;
  private final int group;
  private final int shards;

  WindowGroupTerms(SpecSource spec, int group, int shards) {
    this.spec = spec;
    this.group = group;
    this.shards = shards;
  }

  @Override
  public PCollection<KV<Integer, byte[]>> expand(PCollectionList<Object[]> sources) {
    FeatureSpec s = spec.get();
    WindowGroup g = s.plan().groups().get(group);
    List<List<Type>> sourceTypes = new ArrayList<>();
    for (String table : g.sources()) {
      sourceTypes.add(TandemSchemas.carriedTypes(s.table(table)));
    }
    TaggedRow.Coder coder = new TaggedRow.Coder(sourceTypes);
    PCollectionList<KV<Integer, byte[]>> keyed = PCollectionList.empty(sources.getPipeline());
    for (int source = 0; source < g.sources().size(); source++) {
      keyed = keyed.and(sources.get(source)
          .apply("Partition " + (source == 0 ? "requests" : g.sources().get(source)) + " by " + g.partitionColumn(),
              ParDo.of(KeyByShard.windows(spec, group, source, shards, coder)))
          .setCoder(ShardSort.SHUFFLED));
    }
    return ShardSort.shuffle(keyed)
        .apply("Sort and sweep", ParDo.of(SortAndSweep.windows(spec, group, shards, coder)))
        .setCoder(ShardSort.SHUFFLED);
  }
}
