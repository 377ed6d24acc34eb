package dev.tandem.beam;

import dev.tandem.spec.FeaturePlan;
import dev.tandem.spec.FeatureSpec;
import dev.tandem.spec.IngestedRow;
import dev.tandem.spec.JoinPlan;
import dev.tandem.spec.TableDef;
import dev.tandem.spec.Type;
import dev.tandem.spec.Values;
import dev.tandem.spec.WindowGroup;
import dev.tandem.spec.WindowSweep;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionRowTuple;
import org.apache.beam.sdk.values.Row;

/**
 * The feature table of a spec as a Beam transform: named input tables in, one row per request
 * out, with the spec's features as columns (schema: {@link TandemSchemas#output}).
 *
 * <pre>{@code
 * FeatureSpec spec = FeatureSpec.load(Path.of("feature-spec/specs/jd.yaml"));
 * Pipeline p = Pipeline.create(options);
 * PCollectionRowTuple tables = p.apply(TandemParquet.read(spec, "data/"));   // or your own PCollection<Row>s,
 *                                                                           // named as the spec's tables
 * PCollection<Row> features = tables.apply(TandemFeatures.of(spec));
 * features.apply(TandemParquet.write(spec, "out/"));                         // or continue with your own steps
 * p.run().waitUntilFinish();
 * }</pre>
 *
 * <p>The transform only groups, orders and delivers rows; every feature value is computed by the
 * spec's evaluation core ({@link FeaturePlan}), the same code the online server runs:
 *
 * <ol>
 *   <li>per window group: the request rows and union-table rows keyed by the partition column,
 *       grouped, put in the group's total order and swept ({@link WindowSweep});
 *   <li>per last join: request rows and the joined table's rows keyed by the join column, grouped,
 *       and the last matching row picked ({@link JoinPlan.Picker});
 *   <li>all partial results of a request grouped by its key and evaluated ({@link FeaturePlan#evaluate}).
 * </ol>
 *
 * Rows with a NULL key match nothing (as SQL equality): a request with a NULL partition key gets a
 * window holding only itself; one with a NULL join key gets NULL joined columns.
 */
public final class TandemFeatures extends PTransform<PCollectionRowTuple, PCollection<Row>> {
  /** Shards of each shuffle: enough to spread work over all workers, few enough to keep bundles large. */
  public static final int DEFAULT_SHARDS = 64;

  private final SpecSource spec;
  private final int shards;

  private TandemFeatures(FeatureSpec spec, int shards) {
    this.spec = new SpecSource(spec);
    this.shards = shards;
  }

  public static TandemFeatures of(FeatureSpec spec) {
    return new TandemFeatures(spec, DEFAULT_SHARDS);
  }

  /** The same transform shuffling on {@code shards} shards of each key (default {@value #DEFAULT_SHARDS}). */
  public TandemFeatures withShards(int shards) {
    if (shards < 1) {
      throw new IllegalArgumentException("shards must be at least 1, got " + shards);
    }
    return new TandemFeatures(spec.get(), shards);
  }

  @Override
  public PCollection<Row> expand(PCollectionRowTuple input) {
    FeatureSpec s = spec.get();
    FeaturePlan plan = s.plan();
    TableDef request = plan.requestTable();
    PCollection<Object[]> requests = values(input, request);
    int groupCount = plan.groups().size();

    // Slot types of the final grouping: 0 = request row, then each group's terms, then each join's table row.
    List<List<Type>> slotTypes = new ArrayList<>();
    slotTypes.add(TandemSchemas.carriedTypes(request));
    plan.groups().forEach(g -> slotTypes.add(g.termTypes()));
    plan.joins().forEach(j -> slotTypes.add(s.table(j.table()).types()));
    KvCoder<String, TaggedRow> slotCoder = KvCoder.of(StringUtf8Coder.of(), new TaggedRow.Coder(slotTypes));

    List<PCollection<KV<String, TaggedRow>>> parts = new ArrayList<>();
    parts.add(requests.apply("Key requests", ParDo.of(new KeyRequest(spec))).setCoder(slotCoder));

    for (WindowGroup g : plan.groups()) {
      List<List<Type>> sourceTypes = new ArrayList<>();
      List<PCollection<KV<String, TaggedRow>>> sources = new ArrayList<>();
      for (int source = 0; source < g.sources().size(); source++) {
        TableDef t = s.table(g.sources().get(source));
        sourceTypes.add(TandemSchemas.carriedTypes(t));
        PCollection<Object[]> rows = source == 0 ? requests : values(input, t);
        sources.add(rows.apply("Partition " + t.name() + " by " + g.partitionColumn() + " [" + g.index() + "]",
            ParDo.of(new KeyByPartition(spec, g.index(), source))));
      }
      KvCoder<String, TaggedRow> coder = KvCoder.of(StringUtf8Coder.of(), new TaggedRow.Coder(sourceTypes));
      sources.forEach(p -> p.setCoder(coder));
      String name = "Window " + g.describe();
      parts.add(PCollectionList.of(sources)
          .apply(name + "/Flatten", Flatten.pCollections())
          .apply(name + "/Group", new ShardedGroupByKey<>(shards))
          .apply(name + "/Sweep", ParDo.of(new Sweep(spec, g.index())))
          .setCoder(slotCoder));
    }

    for (JoinPlan j : plan.joins()) {
      TableDef t = s.table(j.table());
      KvCoder<String, TaggedRow> coder =
          KvCoder.of(StringUtf8Coder.of(), new TaggedRow.Coder(List.of(TandemSchemas.carriedTypes(request), TandemSchemas.carriedTypes(t))));
      String name = "Last join " + j.def().name();
      PCollection<KV<String, TaggedRow>> left =
          requests.apply(name + "/Key requests", ParDo.of(new KeyJoin(spec, j.index(), 0))).setCoder(coder);
      PCollection<KV<String, TaggedRow>> right =
          values(input, t).apply(name + "/Key " + t.name(), ParDo.of(new KeyJoin(spec, j.index(), 1))).setCoder(coder);
      parts.add(PCollectionList.of(left).and(right)
          .apply(name + "/Flatten", Flatten.pCollections())
          .apply(name + "/Group", new ShardedGroupByKey<>(shards))
          .apply(name + "/Pick", ParDo.of(new Pick(spec, j.index(), 1 + groupCount + j.index())))
          .setCoder(slotCoder));
    }

    Schema outputSchema = TandemSchemas.output(s);
    return PCollectionList.of(parts)
        .apply("Assemble/Flatten", Flatten.pCollections())
        .apply("Assemble/Group by request", new ShardedGroupByKey<>(shards))
        .apply("Assemble/Evaluate", ParDo.of(new Assemble(spec, outputSchema)))
        .setRowSchema(outputSchema);
  }

  /** Converts each input table once to core value arrays. */
  private PCollection<Object[]> values(PCollectionRowTuple input, TableDef table) {
    return converted.computeIfAbsent(table.name(), name -> {
      if (!input.has(name)) {
        throw new IllegalArgumentException("input has no table '" + name + "' (the spec needs: "
            + String.join(", ", spec.get().tables().stream().map(TableDef::name).toList()) + "; given: "
            + String.join(", ", input.getAll().keySet()) + ")");
      }
      return input.get(name)
          .apply("Values of " + name, ParDo.of(new ToValues(table)))
          .setCoder(new TaggedRow.ValuesCoder(TandemSchemas.carriedTypes(table)));
    });
  }

  private final transient Map<String, PCollection<Object[]>> converted = new HashMap<>();

  /** The text a key is grouped by; NULL keys are never grouped (they match nothing). */
  private static String keyText(Type type, Object key, FeatureSpec spec) {
    return Values.text(type, key, spec.timezone());
  }

  // ------------------------------------------------------------------ DoFns

  /** Beam rows to carried rows: the columns' core values, then the ingestion sequence. */
  static final class ToValues extends DoFn<Row, Object[]> {
    private final TableDef table;

    ToValues(TableDef table) {
      this.table = table;
    }

    @ProcessElement
    public void process(@Element Row row, OutputReceiver<Object[]> out) {
      out.output(TandemSchemas.carried(row, table));
    }
  }

  /** Keys each request row by its request key (slot 0 of the final grouping). */
  static final class KeyRequest extends DoFn<Object[], KV<String, TaggedRow>> {
    private final SpecSource spec;

    KeyRequest(SpecSource spec) {
      this.spec = spec;
    }

    @ProcessElement
    public void process(@Element Object[] row, OutputReceiver<KV<String, TaggedRow>> out) {
      out.output(KV.of(requestKey(spec.get(), row), new TaggedRow(0, row)));
    }
  }

  static String requestKey(FeatureSpec spec, Object[] requestRow) {
    TableDef request = spec.plan().requestTable();
    Object key = spec.plan().requestKey(requestRow);
    if (key == null) {
      throw new IllegalArgumentException("table '" + request.name() + "', column '" + request.key()
          + "': a request row has a NULL key; every request needs one");
    }
    return keyText(request.typeOf(request.key()), key, spec);
  }

  /** Keys the rows of one source of a window group by the partition column; NULL keys are dropped. */
  static final class KeyByPartition extends DoFn<Object[], KV<String, TaggedRow>> {
    private final SpecSource spec;
    private final int group;
    private final int source;

    KeyByPartition(SpecSource spec, int group, int source) {
      this.spec = spec;
      this.group = group;
      this.source = source;
    }

    @ProcessElement
    public void process(@Element Object[] row, OutputReceiver<KV<String, TaggedRow>> out) {
      FeatureSpec s = spec.get();
      WindowGroup g = s.plan().groups().get(group);
      Object key = g.partitionKey(source, row);
      if (key != null) {
        Type type = s.plan().requestTable().typeOf(g.partitionColumn());
        out.output(KV.of(keyText(type, key, s), new TaggedRow(source, row)));
      }
    }
  }

  /** Orders one partition's rows and sweeps the group's frames over them. */
  static final class Sweep extends DoFn<KV<String, Iterable<TaggedRow>>, KV<String, TaggedRow>> {
    private final SpecSource spec;
    private final int group;

    Sweep(SpecSource spec, int group) {
      this.spec = spec;
      this.group = group;
    }

    @ProcessElement
    public void process(@Element KV<String, Iterable<TaggedRow>> partition, OutputReceiver<KV<String, TaggedRow>> out) {
      FeatureSpec s = spec.get();
      WindowGroup g = s.plan().groups().get(group);
      List<WindowGroup.Entry> entries = new ArrayList<>();
      for (TaggedRow r : partition.getValue()) {
        entries.add(g.entry(r.tag(), TandemSchemas.ingested(r.values())));
      }
      entries.sort(g.order());
      WindowSweep sweep = g.sweep();
      for (WindowGroup.Entry e : entries) {
        Object[] terms = sweep.accept(e);
        if (terms != null) {
          out.output(KV.of(requestKey(s, e.sourceRow()), new TaggedRow(1 + group, terms)));
        }
      }
    }
  }

  /** Keys requests (side 0) or the joined table's rows (side 1) by the join column; NULL keys are dropped. */
  static final class KeyJoin extends DoFn<Object[], KV<String, TaggedRow>> {
    private final SpecSource spec;
    private final int join;
    private final int side;

    KeyJoin(SpecSource spec, int join, int side) {
      this.spec = spec;
      this.join = join;
      this.side = side;
    }

    @ProcessElement
    public void process(@Element Object[] row, OutputReceiver<KV<String, TaggedRow>> out) {
      FeatureSpec s = spec.get();
      JoinPlan j = s.plan().joins().get(join);
      Object key = side == 0 ? j.requestKey(row) : j.tableKey(row);
      if (key != null) {
        Type type = s.plan().requestTable().typeOf(j.def().requestColumn());
        out.output(KV.of(keyText(type, key, s), new TaggedRow(side, row)));
      }
    }
  }

  /** Picks the last matching row of one join key for each request of that key. */
  static final class Pick extends DoFn<KV<String, Iterable<TaggedRow>>, KV<String, TaggedRow>> {
    private final SpecSource spec;
    private final int join;
    private final int slot;

    Pick(SpecSource spec, int join, int slot) {
      this.spec = spec;
      this.join = join;
      this.slot = slot;
    }

    @ProcessElement
    public void process(@Element KV<String, Iterable<TaggedRow>> group, OutputReceiver<KV<String, TaggedRow>> out) {
      FeatureSpec s = spec.get();
      List<Object[]> requests = new ArrayList<>();
      List<IngestedRow> candidates = new ArrayList<>();
      for (TaggedRow r : group.getValue()) {
        if (r.tag() == 0) {
          requests.add(r.values());
        } else {
          candidates.add(TandemSchemas.ingested(r.values()));
        }
      }
      if (requests.isEmpty() || candidates.isEmpty()) {
        return;
      }
      JoinPlan.Picker picker = s.plan().joins().get(join).picker(candidates);
      for (Object[] request : requests) {
        Object[] picked = picker.pick(request);
        if (picked != null) {
          out.output(KV.of(requestKey(s, request), new TaggedRow(slot, picked)));
        }
      }
    }
  }

  /** Gathers a request's partial results and evaluates its output row. */
  static final class Assemble extends DoFn<KV<String, Iterable<TaggedRow>>, Row> {
    private final SpecSource spec;
    private final Schema schema;

    Assemble(SpecSource spec, Schema schema) {
      this.spec = spec;
      this.schema = schema;
    }

    @ProcessElement
    public void process(@Element KV<String, Iterable<TaggedRow>> parts, OutputReceiver<Row> out) {
      FeaturePlan plan = spec.get().plan();
      int groups = plan.groups().size();
      Object[] request = null;
      Object[][] terms = new Object[groups][];
      Object[][] joined = new Object[plan.joins().size()][];
      for (TaggedRow part : parts.getValue()) {
        int tag = part.tag();
        if (tag == 0) {
          if (request != null) {
            TableDef t = plan.requestTable();
            throw new IllegalArgumentException("table '" + t.name() + "', column '" + t.key()
                + "': duplicate request key '" + parts.getKey() + "'");
          }
          request = TandemSchemas.ingested(part.values()).values();
        } else if (tag <= groups) {
          terms[tag - 1] = part.values();
        } else {
          joined[tag - 1 - groups] = part.values();
        }
      }
      out.output(TandemSchemas.row(schema, plan.evaluate(request, terms, joined)));
    }
  }
}
