package dev.tandem.beam;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;

import dev.tandem.spec.FeatureSpec;
import dev.tandem.spec.def.TableDef;
import dev.tandem.spec.encoding.RowCodec;
import dev.tandem.spec.encoding.Values;
import dev.tandem.spec.eval.IngestedRow;
import dev.tandem.spec.eval.StatePlan;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollectionRowTuple;
import org.apache.beam.sdk.values.Row;
import org.junit.jupiter.api.Test;


/**
 * The state of every key of the JD spec over the adversarial fixture (ties, hot keys, NULLs, odd
 * keys) is what {@link StatePlan.Store#retain} keeps of all that key's rows, computed here
 * without Beam from the same rows.
 */
class TandemStateTest {
  static final Path JD_SPEC = Path.of("../feature-spec/specs/jd.yaml");
  static final Path FIXTURE = Path.of("../test-data/fixtures/jd-adversarial-300");

  /** What the pipeline's collectors saw, by run and name (the Direct runner runs in this JVM). */
  private static final Map<String, Queue<Row>> SEEN = new ConcurrentHashMap<>();

  @Test
  void eachKeyKeepsWhatRetainKeepsOfAllItsRows() throws Exception {
    FeatureSpec spec = FeatureSpec.load(JD_SPEC);
    Instant[] span = TandemFiles.requestTimeRange(spec, FIXTURE);
    Instant asOf = span[0].plusMillis((span[1].toEpochMilli() - span[0].toEpochMilli()) / 2);
    String run = UUID.randomUUID().toString();

    Pipeline p = Pipeline.create(PipelineOptionsFactory.fromArgs("--runner=DirectRunner").create());
    PCollectionRowTuple tables = p.apply(TandemParquet.read(spec, FIXTURE.toAbsolutePath().toString()));
    for (TableDef t : spec.tables()) {
      tables.get(t.name()).apply("Collect " + t.name(), ParDo.of(new Collect(run, t.name())));
    }
    tables.apply("All", TandemState.of(spec)).apply("Collect all", ParDo.of(new Collect(run, "all")));
    tables.apply("Trimmed", TandemState.of(spec).minBuffer(1)).apply("Collect trimmed", ParDo.of(new Collect(run, "trimmed")));
    tables.apply("As of", TandemState.of(spec).asOf(asOf)).apply("Collect as of", ParDo.of(new Collect(run, "as of")));
    PipelineResult result = p.run();
    result.waitUntilFinish();

    Map<String, List<Row>> input = new TreeMap<>();
    spec.tables().forEach(t -> input.put(t.name(), new ArrayList<>(SEEN.get(run + t.name()))));
    Map<String, Row> all = byStoreAndKey(SEEN.get(run + "all"));
    Map<String, Row> expected = expected(spec, input, null);
    assertSameState(spec, all, expected);
    assertSameState(spec, byStoreAndKey(SEEN.get(run + "trimmed")), expected);
    assertSameState(spec, byStoreAndKey(SEEN.get(run + "as of")), expected(spec, input, asOf));

    long dropped = all.values().stream().mapToLong(r -> r.getInt64("rows") - r.getInt64("kept")).sum();
    assertThat("the fixture exercises retention", dropped, greaterThan(0L));
    long after = counter(result, "As of", "rows after as-of: ");
    assertThat("the as-of cut drops rows", after, greaterThan(0L));
    assertThat(counter(result, "All", "state keys: "), is((long) all.size()));
    SEEN.keySet().removeIf(k -> k.startsWith(run));
  }

  /** The state a key should have: retain over all its rows (usable, until as-of, projected). */
  private static Map<String, Row> expected(FeatureSpec spec, Map<String, List<Row>> input, Instant asOf) {
    Map<String, Row> out = new TreeMap<>();
    TableDef request = spec.plan().requestTable();
    for (StatePlan.Store store : spec.plan().state().stores()) {
      TableDef t = store.table();
      int time = t.time() == null ? -1 : t.indexOf(t.time());
      Map<String, List<IngestedRow>> byKey = new TreeMap<>();
      for (Row row : input.get(t.name())) {
        IngestedRow r = TandemSchemas.ingested(TandemSchemas.carried(row, t));
        Object[] v = r.values();
        boolean usable = (time < 0 || v[time] != null) && (t != request || v[t.indexOf(t.key())] != null);
        boolean inTime = asOf == null || time < 0 || !((Instant) v[time]).isAfter(asOf);
        if (usable && inTime && store.key(v) != null) {
          byKey.computeIfAbsent(Values.keyText(store.keyType(), store.key(v), spec.timezone()), k -> new ArrayList<>())
              .add(new IngestedRow(store.project(v), r.sequence()));
        }
      }
      RowCodec codec = new RowCodec(t);
      byKey.forEach((key, rows) -> {
        List<IngestedRow> kept = store.retain(rows);
        out.put(store + " / " + key, Row.withSchema(TandemState.SCHEMA)
            .addValues(t.name(), store.column(), key, codec.encode(kept), (long) rows.size(), (long) kept.size()).build());
      });
    }
    return out;
  }

  private static void assertSameState(FeatureSpec spec, Map<String, Row> actual, Map<String, Row> expected) {
    assertThat(actual.keySet(), equalTo(expected.keySet()));
    for (Map.Entry<String, Row> e : expected.entrySet()) {
      Row a = actual.get(e.getKey());
      Row x = e.getValue();
      assertThat(e.getKey(), a.getInt64("rows"), is(x.getInt64("rows")));
      assertThat(e.getKey(), a.getInt64("kept"), is(x.getInt64("kept")));
      RowCodec codec = new RowCodec(spec.table(x.getString("table")));
      assertThat(e.getKey(), text(codec.decode(a.getBytes("value"))), equalTo(text(codec.decode(x.getBytes("value")))));
    }
  }

  /** Rows as comparable text: sequence, event id, values (floats by their bits, so -0.0 is not 0.0). */
  private static List<String> text(List<IngestedRow> rows) {
    return rows.stream().map(r -> r.sequence() + "/" + r.eventId() + "/" + Arrays.toString(Arrays.stream(r.values())
        .map(v -> v instanceof Float f ? "f" + Float.floatToRawIntBits(f) : v instanceof Double d ? "d" + Double.doubleToRawLongBits(d) : v)
        .toArray())).toList();
  }

  private static Map<String, Row> byStoreAndKey(Queue<Row> rows) {
    Map<String, Row> out = new TreeMap<>();
    for (Row r : rows) {
      Row previous = out.put(r.getString("table") + " by " + r.getString("column") + " / " + r.getString("key"), r);
      assertThat("one row per store and key: " + r.getString("key"), previous == null);
    }
    return out;
  }

  private static long counter(PipelineResult result, String step, String prefix) {
    long sum = 0;
    for (MetricResult<Long> c : result.metrics().queryMetrics(MetricsFilter.builder()
        .addNameFilter(MetricNameFilter.inNamespace(TandemFeatures.METRICS)).addStep(step).build()).getCounters()) {
      if (c.getName().getName().startsWith(prefix)) {
        sum += c.getAttempted();
      }
    }
    return sum;
  }

  static final class Collect extends DoFn<Row, Void> {
    private final String name;

    Collect(String run, String name) {
      this.name = run + name;
    }

    @ProcessElement
    public void process(@Element Row row) {
      SEEN.computeIfAbsent(name, k -> new ConcurrentLinkedQueue<>()).add(row);
    }
  }
}
