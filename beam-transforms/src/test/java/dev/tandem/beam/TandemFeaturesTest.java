package dev.tandem.beam;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import dev.tandem.spec.FeatureSpec;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.transforms.Create;
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
    Schema r = TandemSchemas.table(spec.table("r"));
    Schema e = TandemSchemas.table(spec.table("e"));
    Schema d = TandemSchemas.table(spec.table("d"));
    PCollectionRowTuple input = PCollectionRowTuple
        .of("r", p.apply("r", Create.of(
            row(r, "1", at(10), ODD_KEY), row(r, "2", at(20), ODD_KEY), row(r, "3", at(30), null),
            row(r, "4", at(40), "other")).withRowSchema(r)))
        .and("e", p.apply("e", Create.of(
            row(e, at(5), ODD_KEY, 1), row(e, at(20), ODD_KEY, 10), row(e, at(25), ODD_KEY, 100),
            row(e, at(5), null, 1000)).withRowSchema(e)))
        .and("d", p.apply("d", Create.of(row(d, ODD_KEY, "odd"), row(d, null, "null key")).withRowSchema(d)));

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

  private static Instant at(int seconds) {
    return new Instant(1_450_000_000_000L + seconds * 1000L);
  }

  private static Row row(Schema schema, Object... values) {
    Object[] withSequence = java.util.Arrays.copyOf(values, values.length + 1); // sequence left NULL: 0
    return Row.withSchema(schema).addValues(withSequence).build();
  }
}
