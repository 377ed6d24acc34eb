package dev.tandem.beam;

import dev.tandem.spec.FeatureSpec;
import dev.tandem.spec.eval.JoinPlan;
import java.util.List;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;

/**
 * One last join's row for each request: the requests and the joined table (carried rows, in this
 * order) in, one part per request that found a row out (slot 1 + groups + join, see
 * {@link AssembleFeatures}). Both sides are shuffled on a shard of the join key, sorted
 * ({@link JoinPlan#sortKey}) and each key's run is streamed through a {@link JoinPlan.JoinSweep},
 * which keeps only the best row so far. A request whose join key is NULL gets no part: NULL
 * joined columns.
 */
final class LastJoinRows extends PTransform<PCollectionList<Object[]>, PCollection<KV<Integer, byte[]>>> {
  private final SpecSource spec;
  private final int join;
  private final int shards;

  LastJoinRows(SpecSource spec, int join, int shards) {
    this.spec = spec;
    this.join = join;
    this.shards = shards;
  }

  @Override
  public PCollection<KV<Integer, byte[]>> expand(PCollectionList<Object[]> requestsAndTable) {
    FeatureSpec s = spec.get();
    String table = s.plan().joins().get(join).table();
    TaggedRow.Coder coder = new TaggedRow.Coder(List.of(
        TandemSchemas.carriedTypes(s.plan().requestTable()), TandemSchemas.carriedTypes(s.table(table))));
    PCollection<KV<Integer, byte[]>> requests = requestsAndTable.get(0)
        .apply("Key requests", ParDo.of(KeyByShard.lastJoin(spec, join, 0, shards, coder))).setCoder(ShardSort.SHUFFLED);
    PCollection<KV<Integer, byte[]>> rows = requestsAndTable.get(1)
        .apply("Key " + table, ParDo.of(KeyByShard.lastJoin(spec, join, 1, shards, coder))).setCoder(ShardSort.SHUFFLED);
    return ShardSort.shuffle(PCollectionList.of(requests).and(rows))
        .apply("Sort and pick", ParDo.of(SortAndSweep.lastJoin(spec, join, shards, coder)))
        .setCoder(ShardSort.SHUFFLED);
  }
}
