package dev.tandem.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

import dev.tandem.testdata.ParquetRows;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad rows are neither dropped silently nor fatal: each is counted and written with its reason
 * to OUT/_rejected. NULL keys are not bad rows: they match nothing.
 */
class RejectedRowsTest {
  static final String SPEC = """
      name: rejects
      tables:
        req:
          role: request
          key: id
          time: t
          columns: {id: string, t: timestamp, user: string}
        clicks:
          role: event
          time: t
          columns: {t: timestamp, user: string, n: int}
        users:
          role: dimension
          columns: {user: string, level: int}
      windows:
        recent: {union: [clicks], partition: user, range: 1d, instance_not_in_window: true, request_row: {n: 0}}
      joins:
        u: {table: users, on: user}
      features:
        - {name: id, expr: id}
        - {name: clicks, expr: sum(n), over: recent}
        - {name: level, expr: u.level}
      """;

  @TempDir
  Path dir;

  @Test
  void eachKindOfBadRowIsCountedAndWrittenWithItsReason() throws Exception {
    Path spec = dir.resolve("rejects.yaml");
    Files.writeString(spec, SPEC);
    Path data = dir.resolve("data");
    Schema ts = LogicalTypes.timestampMicros().addToSchema(Schema.create(Schema.Type.LONG));
    Schema req = SchemaBuilder.record("req").fields()
        .name("id").type().unionOf().nullType().and().stringType().endUnion().nullDefault()
        .name("t").type().unionOf().nullType().and().type(ts).endUnion().nullDefault()
        .name("user").type().unionOf().nullType().and().stringType().endUnion().nullDefault().endRecord();
    TandemCliTest.write(data.resolve("req/part-0.parquet"), req, List.of(
        record(req, "good", 10_000L, "ann"),
        record(req, "no-user", 10_000L, null),   // a NULL key: kept, matches nothing
        record(req, "no-time", null, "ann"),     // rejected: NULL time
        record(req, null, 10_000L, "ann")));     // rejected: NULL request key
    Schema clicks = SchemaBuilder.record("clicks").fields()
        .name("t").type().unionOf().nullType().and().type(ts).endUnion().nullDefault()
        .name("user").type().unionOf().nullType().and().stringType().endUnion().nullDefault()
        .name("n").type().unionOf().nullType().and().intType().endUnion().nullDefault().endRecord();
    TandemCliTest.write(data.resolve("clicks/part-0.parquet"), clicks, List.of(
        record(clicks, 5_000L, "ann", 2),
        record(clicks, null, "ann", 100),        // rejected: NULL time
        record(clicks, 5_000L, null, 1000)));    // unreachable: NULL key
    Schema users = SchemaBuilder.record("users").fields()  // level stored as text: parsed row by row
        .name("user").type().stringType().noDefault()
        .name("level").type().stringType().noDefault().endRecord();
    TandemCliTest.write(data.resolve("users/part-0.parquet"), users, List.of(
        record(users, "ann", "3"),
        record(users, "bob", "three")));         // rejected: not an int

    Path out = dir.resolve("out");
    TandemCliTest.Result r = TandemCliTest.cli("features", "--spec", spec.toString(), "--data", data.toString(),
        "--out", out.toString());
    assertThat(r.err(), r.code(), is(0));

    Map<String, List<Object>> rows = new HashMap<>();
    for (GenericRecord row : ParquetRows.readFolder(out)) {
      rows.put(row.get("id").toString(), java.util.Arrays.asList(row.get("clicks"), row.get("level")));
    }
    assertThat(rows, is(Map.of(
        "good", java.util.Arrays.asList(2L, 3),
        "no-user", java.util.Arrays.asList(0L, null))));

    List<String> rejected = ParquetRows.readFolder(out.resolve("_rejected")).stream()
        .map(g -> g.get("table") + ": " + g.get("reason")).toList();
    assertThat(rejected, containsInAnyOrder(
        "req: column 't': NULL time",
        "req: column 'id': NULL request key",
        "clicks: column 't': NULL time",
        "users: column 'level': 'three' is not of type int"));
    assertThat(r.out(), containsString("clicks                   read 3  rejected 1  unreachable (NULL key) 1"));
    assertThat(r.out(), containsString("rows out 2, rows rejected 4"));
  }

  private static GenericRecord record(Schema schema, Object... values) {
    GenericRecord r = new GenericData.Record(schema);
    for (int i = 0; i < values.length; i++) {
      Object v = values[i];
      r.put(i, v instanceof Long l && schema.getFields().get(i).name().equals("t") ? l * 1000 : v);
    }
    return r;
  }
}
