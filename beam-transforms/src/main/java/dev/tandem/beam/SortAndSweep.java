package dev.tandem.beam;

import dev.tandem.spec.FeatureSpec;
import dev.tandem.spec.eval.FeaturePlan;
import dev.tandem.spec.eval.JoinPlan;
import dev.tandem.spec.eval.WindowGroup;
import dev.tandem.spec.eval.WindowSweep;
import java.io.IOException;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.values.KV;

/**
 * Sorts a shard and streams it through a {@link ShardSweep}: each run of equal keys (a window
 * group's partition, a last join's key) through its own sweep; what the sweep completes goes on
 * as a request's part ({@link AssembleFeatures#part}). Memory is the sort buffer and what the
 * sweeps keep.
 */
final class SortAndSweep extends ShardSort.Writer<KV<Integer, Iterable<byte[]>>> {
  private final SpecSource spec;
  private final SerializableFunction<FeaturePlan, ShardSweep> sweep;
  private final int slot;
  private final int shards;
  private final TaggedRow.Coder coder;
  private final TaggedRow.Coder slotCoder;

  private SortAndSweep(SpecSource spec, SerializableFunction<FeaturePlan, ShardSweep> sweep, int slot, int shards,
      TaggedRow.Coder coder) {
    this.spec = spec;
    this.sweep = sweep;
    this.slot = slot;
    this.shards = shards;
    this.coder = coder;
    this.slotCoder = AssembleFeatures.partCoder(spec.get());
  }

  /** Window group {@code group}'s rows: each partition swept, each request's terms in slot 1 + group. */
  static SortAndSweep windows(SpecSource spec, int group, int shards, TaggedRow.Coder coder) {
    return new SortAndSweep(spec, plan -> ShardSweep.windows(plan.groups().get(group)), 1 + group, shards, coder);
  }

  /** Last join {@code join}'s rows: each request's picked row in slot 1 + groups + join. */
  static SortAndSweep lastJoin(SpecSource spec, int join, int shards, TaggedRow.Coder coder) {
    return new SortAndSweep(spec, plan -> ShardSweep.lastJoin(plan.joins().get(join)),
        1 + spec.get().plan().groups().size() + join, shards, coder);
  }

  @ProcessElement
  public void process(@Element KV<Integer, Iterable<byte[]>> shard,
      OutputReceiver<KV<Integer, byte[]>> out) throws IOException {
    FeatureSpec s = spec.get();
    ShardSweep runs = sweep.apply(s.plan());
    ShardSweep.Parts parts = (request, values) ->
        output(AssembleFeatures.part(s, shards, request, new TaggedRow(slot, values), slotCoder), out);
    ShardSort.sorted(shard.getValue(), coder, (sortKey, row) -> runs.accept(row, parts));
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
}
