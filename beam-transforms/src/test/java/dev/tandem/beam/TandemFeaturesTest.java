package dev.tandem.beam;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import dev.tandem.spec.FeatureSpec;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionRowTuple;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;


/** The transform on in-memory rows: windows, union windows, joins, NULL and unusual keys. */
class TandemFeaturesTest {
  static final String SPEC = """
      name: small
      tables:
        r:
          role: request
          key: id
          time: t
          columns: {id: string, t: timestamp, k: string}
        e:
          role: event
          time: t
          columns: {t: timestamp, k: string, v: int}
        d:
          role: dimension
          columns: {k: string, name: string}
      windows:
        recent: {partition: k, rows: 10}
        events: {union: [e], partition: k, range: 1d, instance_not_in_window: true, request_row: {v: 0}}
      joins:
        dim: {table: d, on: k}
      features:
        - {name: id, expr: id}
        - {name: requests_so_far, expr: count(id), over: recent}
        - {name: event_sum, expr: sum(v), over: events}
        - {name: event_rows, expr: count(v), over: events}
        - {name: name, expr: dim.name}
      """;

  static final String ODD_KEY = "a:{b} \"q\" \n ü 😀";

  @Test
  void computesWindowsUnionsAndJoinsPerRequest() throws Exception {
    FeatureSpec spec = FeatureSpec.parse(SPEC, "small.yaml");
    Pipeline p = Pipeline.create(PipelineOptionsFactory.fromArgs("--runner=DirectRunner").create());
    PCollectionRowTuple input = tables(p, spec,
        List.of(values("1", at(10), ODD_KEY), values("2", at(20), ODD_KEY), values("3", at(30), null),
            values("4", at(40), "other")),
        List.of(values(at(5), ODD_KEY, 1), values(at(20), ODD_KEY, 10), values(at(25), ODD_KEY, 100),
            values(at(5), null, 1000)),
        List.of(values(ODD_KEY, "odd"), values(null, "null key")));

    PCollection<Row> out = input.apply(TandemFeatures.of(spec).withShards(3));

    PAssert.that(out).satisfies(rows -> {
      Map<String, List<Object>> byId = new HashMap<>();
      rows.forEach(row -> byId.put(row.getString("id"), List.of(
          row.getInt64("requests_so_far"), row.getInt64("event_sum"), row.getInt64("event_rows"),
          String.valueOf(row.getString("name")))));
      assertThat(byId, equalTo(Map.of(
          "1", List.of(1L, 1L, 2L, "odd"),          // the event at 5 s; the request's own row counts with v = 0
          "2", List.of(2L, 11L, 3L, "odd"),         // an event at the request's exact time is in its window
          "3", List.of(1L, 0L, 1L, "null"),         // a NULL key matches nothing
          "4", List.of(1L, 0L, 1L, "null"))));
      return null;
    });
    p.run().waitUntilFinish();
  }

  @Test
  void countsAndReturnsTheRowsItCannotUse() throws Exception {
    FeatureSpec spec = FeatureSpec.parse(SPEC, "small.yaml");
    Pipeline p = Pipeline.create(PipelineOptionsFactory.fromArgs("--runner=DirectRunner").create());
    PCollectionRowTuple input = tables(p, spec,
        List.of(values("1", at(10), "a"), values("2", at(20), null), values("3", null, "a"), values(null, at(30), "a")),
        List.of(values(at(5), "a", 1), values(null, "a", 10), values(at(5), null, 100)),
        List.of(values("a", "A"), values(null, "none")))
        .and(TandemFeatures.REJECTED, p.apply("rejected before", Create.of(
            TandemSchemas.rejected("e", "a source's reason", "t=?")).withRowSchema(TandemSchemas.REJECTED)));

    PCollectionRowTuple out = input.apply(TandemFeatures.of(spec).withRequestTime().withShards(2).withRejectedRows());

    PAssert.that(out.get(TandemFeatures.FEATURES)).satisfies(rows -> {
      Map<String, List<Object>> byId = new HashMap<>();
      rows.forEach(row -> byId.put(row.getString("id"), List.of(row.getInt64("event_sum"), String.valueOf(row.getString("name")),
          row.getDateTime(TandemFeatures.REQUEST_TIME))));
      assertThat(byId, equalTo(Map.of(
          "1", List.of(1L, "A", at(10)),
          "2", List.of(0L, "null", at(20)))));
      return null;
    });
    PAssert.that(out.get(TandemFeatures.REJECTED)).containsInAnyOrder(
        TandemSchemas.rejected("r", "column 't': NULL time", "id=3, t=NULL, k=a"),
        TandemSchemas.rejected("r", "column 'id': NULL request key", "id=NULL, t=" + java.time.Instant.ofEpochMilli(at(30).getMillis()) + ", k=a"),
        TandemSchemas.rejected("e", "column 't': NULL time", "t=NULL, k=a, v=10"),
        TandemSchemas.rejected("e", "a source's reason", "t=?"));
    PipelineResult result = p.run();
    result.waitUntilFinish();

    Map<String, Long> counters = new TreeMap<>();
    for (MetricResult<Long> c : result.metrics().queryMetrics(MetricsFilter.builder()
        .addNameFilter(MetricNameFilter.inNamespace(TandemFeatures.METRICS)).build()).getCounters()) {
      counters.merge(c.getName().getName(), c.getAttempted(), Long::sum);
    }
    assertThat(counters, equalTo(Map.of(
        "rows read: r", 4L, "rows read: e", 3L, "rows read: d", 2L,
        "rows rejected: r", 2L, "rows rejected: e", 1L,
        "unreachable rows (NULL key): e", 1L, "unreachable rows (NULL key): d", 1L,
        "rows out", 2L)));
  }

  @Test
  void displaysItsSpecAndShards() throws Exception {
    FeatureSpec spec = FeatureSpec.parse(SPEC, "small.yaml");
    assertThat(display(TandemFeatures.of(spec).withShards(3)),
        equalTo(Map.of("spec", "small", "specSha256", spec.sha256(), "shards", 3L)));
    assertThat(display(TandemFeatures.of(spec).withRequestTime().withRejectedRows()),
        equalTo(Map.of("spec", "small", "specSha256", spec.sha256(), "shards", 64L, "requestTime", true)));
  }

  @Test
  void theParquetTransformsTheTrainingSetAndTheStateDisplayWhatTheyDo() throws Exception {
    FeatureSpec jd = FeatureSpec.load(TandemStateTest.JD_SPEC);
    assertThat(display(TandemParquet.read(jd, "/data")), equalTo(Map.of("spec", "jd", "specSha256", jd.sha256(), "dataDir", "/data",
        "tables", String.join(", ", jd.plan().tables()))));
    assertThat(display(TandemParquet.writeRejected("/out/_rejected")),
        equalTo(Map.of("rows", "rejected rows", "outDir", "/out/_rejected", "files", 4L)));
    assertThat(display(TandemFeatures.of(jd).withShards(7).fromParquet("/data")), equalTo(Map.of("spec", "jd",
        "specSha256", jd.sha256(), "shards", 7L, "dataDir", "/data")));
    java.time.Instant v = java.time.Instant.parse("2018-04-09T00:00:00Z");
    java.time.Instant t = java.time.Instant.parse("2018-04-13T00:00:00Z");
    assertThat(display(TandemTrainingSet.of(jd, v, t).withShards(5)), equalTo(Map.of("spec", "jd",
        "specSha256", jd.sha256(), "validationFrom", v.toString(), "testFrom", t.toString(), "shards", 5L)));
    assertThat(display(TandemState.of(jd).asOf(t)), equalTo(Map.of("spec", "jd",
        "specSha256", jd.sha256(), "asOf", t.toString())));
  }

  private static Map<String, Object> display(PTransform<?, ?> transform) {
    Map<String, Object> items = new HashMap<>();
    DisplayData.from(transform).items().forEach(item -> items.put(item.getKey(), item.getValue()));
    return items;
  }

  private static Instant at(int seconds) {
    return new Instant(1_450_000_000_000L + seconds * 1000L);
  }

  /** Tables r, e and d of {@link #SPEC}: each row's values, its sequence left NULL (0). */
  private static PCollectionRowTuple tables(Pipeline p, FeatureSpec spec, List<Object[]> r, List<Object[]> e,
      List<Object[]> d) {
    PCollectionRowTuple tables = PCollectionRowTuple.empty(p);
    for (Map.Entry<String, List<Object[]>> table : Map.of("r", r, "e", e, "d", d).entrySet()) {
      Schema schema = TandemSchemas.table(spec.table(table.getKey()));
      List<Row> rows = table.getValue().stream()
          .map(values -> Row.withSchema(schema).addValues(Arrays.copyOf(values, values.length + 1)).build()).toList();
      tables = tables.and(table.getKey(), p.apply(table.getKey(), Create.of(rows).withRowSchema(schema)));
    }
    return tables;
  }

  private static Object[] values(Object... values) {
    return values;
  }
}
