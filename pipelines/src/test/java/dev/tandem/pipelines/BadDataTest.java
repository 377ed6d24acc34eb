package dev.tandem.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.startsWith;

import dev.tandem.testdata.ParquetRows;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad data offline: a damaged file, an empty table, a column of the wrong type, NULL keys, times
 * at the far ends of a long. The job either finishes with every row it read in the output or
 * rejected with its reason (in = out + rejected), or stops with one line naming table, file and
 * column. Files on a non-local file system ({@code mem://}) are not checked before the job:
 * there the job's own read must give the same errors.
 */
class BadDataTest {
  private static final String REMOTE = "mem://bad-data/";
  private static final Schema MICROS = LogicalTypes.timestampMicros().addToSchema(Schema.create(Schema.Type.LONG));
  private static final Schema MILLIS = LogicalTypes.timestampMillis().addToSchema(Schema.create(Schema.Type.LONG));

  @TempDir
  Path dir;

  @BeforeAll
  static void registerTheMemoryFileSystem() {
    FileSystems.setDefaultPipelineOptions(PipelineOptionsFactory.create());
  }

  @AfterAll
  static void forget() {
    MemoryFileSystem.deleteAll(REMOTE);
  }

  @Test
  void aTruncatedOrDamagedFileStopsTheJobNamingTableAndFile() throws IOException {
    Path data = goodData();
    Path part = data.resolve("clicks/part-1.parquet");
    List<GenericRecord> many = new ArrayList<>();
    for (int i = 0; i < 5000; i++) {
      many.add(record(clicks(MICROS), (long) i, "ann", i));
    }
    TandemCliTest.write(part, clicks(MICROS), many);
    byte[] whole = Files.readAllBytes(part);
    damage(part, Arrays.copyOf(whole, whole.length / 2));

    TandemCliTest.Result local = run(data, dir.resolve("out"));
    assertThat(local.code(), is(2));
    assertThat(local.err(), startsWith("data error: table 'clicks': cannot read Parquet file " + part + ": "));
    assertThat(local.err(), containsString("is not a Parquet file"));
    assertThat(local.err().lines().count(), is(1L));
    assertThat(Files.exists(dir.resolve("out/_SUCCESS")), is(false));

    // Not checked beforehand: the read itself names table and file.
    RemoteStorageTest.upload(data, REMOTE + "truncated");
    TandemCliTest.Result remote = run(REMOTE + "truncated", REMOTE + "truncated-out");
    assertThat(remote.code(), is(2));
    assertThat(remote.err(), startsWith("data error: table 'clicks': cannot read Parquet file " + REMOTE
        + "truncated/clicks/part-1.parquet: "));
    assertThat(remote.err(), containsString("is not a Parquet file"));
    assertThat(remote.err().lines().count(), is(1L));
    assertThat(MemoryFileSystem.list(REMOTE + "truncated-out/_SUCCESS").isEmpty(), is(true));

    // Pages overwritten, footer intact: the pages' checksums tell, where values would be read wrongly.
    byte[] damaged = whole.clone();
    Arrays.fill(damaged, 100, whole.length / 2, (byte) 0x5a);
    damage(part, damaged);
    TandemCliTest.Result pages = run(data, dir.resolve("out-pages"));
    assertThat(pages.code(), is(2));
    assertThat(pages.err(), startsWith("data error: table 'clicks': cannot read Parquet file " + part + ": "));
    assertThat(pages.err(), containsString("checksum"));
  }

  @Test
  void anEmptyTableIsValidDataAndAFolderWithoutFilesIsAnError() throws IOException {
    Path data = dir.resolve("data");
    write(data, "req", request(MICROS), record(request(MICROS), "r1", 10_000_000L, "ann"));
    write(data, "clicks", clicks(MICROS));  // a schema, no rows
    write(data, "users", users());
    TandemCliTest.Result r = run(data, dir.resolve("out"));
    assertThat(r.err(), r.code(), is(0));
    assertThat(featureRows(dir.resolve("out")), is(Map.of("r1", Arrays.asList(0L, null))));
    assertThat(counts(r.out(), "clicks"), is(List.of(0L, 0L, 0L)));

    write(data, "req", request(MICROS));
    TandemCliTest.Result noRequests = run(data, dir.resolve("out-none"));
    assertThat(noRequests.err(), noRequests.code(), is(0));
    assertThat(noRequests.out(), containsString("features: 0 rows x 3 columns"));

    // No file at all is no schema to check either: more likely a failed export than an empty table.
    Files.delete(data.resolve("clicks/part-0.parquet"));
    Files.delete(data.resolve("clicks/.part-0.parquet.crc"));
    TandemCliTest.Result noFiles = run(data, dir.resolve("out-nofiles"));
    assertThat(noFiles.code(), is(2));
    assertThat(noFiles.err(), is("data error: table 'clicks': no *.parquet files in " + data.resolve("clicks") + "\n"));
  }

  @Test
  void aColumnOfTheWrongTypeIsNamedWithItsTableAndFile() throws IOException {
    // A time stored as text: parsed row by row, a value that is no time rejected with its reason.
    Path data = goodData();
    Schema textTime = SchemaBuilder.record("clicks").fields()
        .requiredString("t").requiredString("user").requiredInt("n").endRecord();
    write(data, "clicks", textTime, record(textTime, "1970-01-01 00:00:05", "ann", 2),
        record(textTime, "yesterday", "ann", 100));
    TandemCliTest.Result text = run(data, dir.resolve("out-text"));
    assertThat(text.err(), text.code(), is(0));
    assertThat(featureRows(dir.resolve("out-text")), is(Map.of("r1", Arrays.asList(2L, 3))));
    GenericRecord rejected = ParquetRows.readFolder(dir.resolve("out-text/_rejected")).get(0);
    assertThat(rejected.get("table") + ": " + rejected.get("reason"), is("clicks: column 't': 'yesterday' is not of type timestamp"));
    assertThat(rejected.get("row").toString(), startsWith(data.resolve("clicks/part-0.parquet") + " row 1: "));
    assertThat(counts(text.out(), "clicks"), is(List.of(2L, 1L, 0L)));

    // An int stored as booleans: no row can convert, the job stops before it starts.
    Schema boolCount = SchemaBuilder.record("clicks").fields()
        .name("t").type(MICROS).noDefault().requiredString("user").requiredBoolean("n").endRecord();
    write(data, "clicks", boolCount, record(boolCount, 5_000_000L, "ann", true));
    TandemCliTest.Result local = run(data, dir.resolve("out-bool"));
    assertThat(local.code(), is(2));
    assertThat(local.err(), is("data error: table 'clicks', column 'n': declared int but "
        + data.resolve("clicks/part-0.parquet") + " has BOOLEAN\n"));

    // Not checked beforehand: the read itself names table, column and file.
    RemoteStorageTest.upload(data, REMOTE + "bool");
    TandemCliTest.Result remote = run(REMOTE + "bool", REMOTE + "bool-out");
    assertThat(remote.code(), is(2));
    assertThat(remote.err(), is("data error: table 'clicks', column 'n': declared int but "
        + REMOTE + "bool/clicks/part-0.parquet has BOOLEAN\n"));
  }

  @Test
  void nullKeysMatchNothingAndEveryRowIsOutOrRejected() throws IOException {
    Path data = dir.resolve("data");
    Schema req = request(MICROS);
    write(data, "req", req, record(req, "r1", 10_000_000L, "ann"), record(req, "r2", 10_000_000L, null),
        record(req, null, 10_000_000L, "ann"));
    Schema clicks = clicks(MICROS);
    write(data, "clicks", clicks, record(clicks, 5_000_000L, "ann", 2), record(clicks, 5_000_000L, null, 100),
        record(clicks, null, "ann", 1000));
    write(data, "users", users(), record(users(), "ann", 3), record(users(), null, 7));
    TandemCliTest.Result r = run(data, dir.resolve("out"));
    assertThat(r.err(), r.code(), is(0));

    assertThat(featureRows(dir.resolve("out")), is(Map.of(
        "r1", Arrays.asList(2L, 3),
        "r2", Arrays.asList(0L, null))));
    assertThat(rejected(dir.resolve("out")), containsInAnyOrder(
        "req: column 'id': NULL request key", "clicks: column 't': NULL time"));
    // Read = used + rejected + unreachable; requests: read = out + rejected.
    assertThat(counts(r.out(), "req"), is(List.of(3L, 1L, 0L)));
    assertThat(counts(r.out(), "clicks"), is(List.of(3L, 1L, 1L)));
    assertThat(counts(r.out(), "users"), is(List.of(2L, 0L, 1L)));
    assertThat(r.out(), containsString("rows out 2, rows rejected 2"));
  }

  @Test
  void timesFarInThePastOrFutureAreValidRowsWithTheirOwnWindows() throws IOException {
    long hour = 3_600_000_000L;
    long y1000 = Instant.parse("1000-01-01T00:00:00Z").toEpochMilli() * 1000;
    long y9999 = Instant.parse("9999-12-31T00:00:00Z").toEpochMilli() * 1000;
    Path data = dir.resolve("data");
    Schema req = request(MICROS);
    write(data, "req", req, record(req, "y1000", y1000, "ann"), record(req, "y9999", y9999, "ann"),
        record(req, "max", Long.MAX_VALUE, "ann"), record(req, "min", Long.MIN_VALUE, "ann"));
    Schema clicks = clicks(MICROS);
    write(data, "clicks", clicks, record(clicks, y1000 - hour, "ann", 1), record(clicks, y9999 - hour, "ann", 10),
        record(clicks, Long.MAX_VALUE - hour, "ann", 100), record(clicks, Long.MIN_VALUE, "ann", 1000));
    write(data, "users", users(), record(users(), "ann", 3));
    TandemCliTest.Result r = run(data, dir.resolve("out"));
    assertThat(r.err(), r.code(), is(0));
    assertThat(featureRows(dir.resolve("out")), is(Map.of(
        "y1000", Arrays.asList(1L, 3), "y9999", Arrays.asList(10L, 3),
        "max", Arrays.asList(100L, 3), "min", Arrays.asList(1000L, 3))));
    assertThat(r.out(), containsString("rows out 4, rows rejected 0"));

    // In milliseconds, the ends of a long: the window's start and the default splits do not wrap around.
    Schema reqMillis = request(MILLIS);
    write(data, "req", reqMillis, record(reqMillis, "min", Long.MIN_VALUE, "ann"), record(reqMillis, "zero", 0L, "ann"),
        record(reqMillis, "max", Long.MAX_VALUE, "ann"));
    Schema clicksMillis = clicks(MILLIS);
    write(data, "clicks", clicksMillis, record(clicksMillis, Long.MIN_VALUE, "ann", 1000),
        record(clicksMillis, Long.MAX_VALUE - 1000, "ann", 100));
    TandemCliTest.Result millis = run(data, dir.resolve("out-millis"));
    assertThat(millis.err(), millis.code(), is(0));
    assertThat(featureRows(dir.resolve("out-millis")), is(Map.of(
        "min", Arrays.asList(1000L, 3), "zero", Arrays.asList(0L, 3), "max", Arrays.asList(100L, 3))));

    Path spec = dir.resolve("training.yaml");
    Files.writeString(spec, RejectedRowsTest.SPEC + "label: level\nmodel: {inputs: [id]}\n");
    TandemCliTest.Result ts = TandemCliTest.cli("training-set", "--spec", spec.toString(), "--data", data.toString(),
        "--out", dir.resolve("ts").toString());
    assertThat(ts.err(), ts.code(), is(0));
    assertThat(ts.out(), containsString("training set: train 2 rows (2 positive), validation 0 rows (0 positive), "
        + "test 1 rows (1 positive)"));
  }

  // ------------------------------------------------------------------ fixtures

  /** One request of ann's at 10 s, her click at 5 s and her level: the tables a bad file is put among. */
  private Path goodData() throws IOException {
    Path data = dir.resolve("data");
    write(data, "req", request(MICROS), record(request(MICROS), "r1", 10_000_000L, "ann"));
    write(data, "clicks", clicks(MICROS), record(clicks(MICROS), 5_000_000L, "ann", 2));
    write(data, "users", users(), record(users(), "ann", 3));
    return data;
  }

  private static Schema request(Schema time) {
    return SchemaBuilder.record("req").fields()
        .name("id").type().unionOf().nullType().and().stringType().endUnion().nullDefault()
        .name("t").type().unionOf().nullType().and().type(time).endUnion().nullDefault()
        .name("user").type().unionOf().nullType().and().stringType().endUnion().nullDefault().endRecord();
  }

  private static Schema clicks(Schema time) {
    return SchemaBuilder.record("clicks").fields()
        .name("t").type().unionOf().nullType().and().type(time).endUnion().nullDefault()
        .name("user").type().unionOf().nullType().and().stringType().endUnion().nullDefault()
        .name("n").type().unionOf().nullType().and().intType().endUnion().nullDefault().endRecord();
  }

  private static Schema users() {
    return SchemaBuilder.record("users").fields()
        .name("user").type().unionOf().nullType().and().stringType().endUnion().nullDefault()
        .name("level").type().unionOf().nullType().and().intType().endUnion().nullDefault().endRecord();
  }

  private static GenericRecord record(Schema schema, Object... values) {
    GenericRecord r = new GenericData.Record(schema);
    for (int i = 0; i < values.length; i++) {
      r.put(i, values[i]);
    }
    return r;
  }

  /** Writes a table's only file, {@code DATA/<table>/part-0.parquet}. */
  private static void write(Path data, String table, Schema schema, GenericRecord... rows) throws IOException {
    Path file = data.resolve(table).resolve("part-0.parquet");
    Files.deleteIfExists(file);
    Files.deleteIfExists(file.resolveSibling("." + file.getFileName() + ".crc"));
    TandemCliTest.write(file, schema, List.of(rows));
  }

  /**
   * Replaces a file's bytes. The Hadoop writer's checksum sidecar goes: it would report the damage
   * itself, and files from elsewhere come without one.
   */
  private static void damage(Path file, byte[] bytes) throws IOException {
    Files.write(file, bytes);
    Files.deleteIfExists(file.resolveSibling("." + file.getFileName() + ".crc"));
  }

  /** {@code tandem features} with {@link RejectedRowsTest#SPEC}. */
  private TandemCliTest.Result run(Path data, Path out) throws IOException {
    return run(data.toString(), out.toString());
  }

  private TandemCliTest.Result run(String data, String out) throws IOException {
    Path spec = Files.writeString(dir.resolve("bad-data.yaml"), RejectedRowsTest.SPEC);
    return TandemCliTest.cli("features", "--spec", spec.toString(), "--data", data, "--out", out);
  }

  /** The feature rows by id: clicks, level. */
  private static Map<String, List<Object>> featureRows(Path out) throws IOException {
    Map<String, List<Object>> rows = new HashMap<>();
    for (GenericRecord row : ParquetRows.readFolder(out)) {
      rows.put(row.get("id").toString(), Arrays.asList(row.get("clicks"), row.get("level")));
    }
    return rows;
  }

  private static List<String> rejected(Path out) throws IOException {
    return ParquetRows.readFolder(out.resolve(OfflineJob.REJECTED)).stream()
        .map(g -> g.get("table") + ": " + g.get("reason")).toList();
  }

  /** A table's rows read, rejected and unreachable, from the job's summary. */
  private static List<Long> counts(String out, String table) {
    Matcher m = Pattern.compile("  " + table + " +read ([\\d,]+)  rejected ([\\d,]+)  unreachable \\(NULL key\\) ([\\d,]+)")
        .matcher(out);
    assertThat(out, m.find(), is(true));
    return List.of(number(m.group(1)), number(m.group(2)), number(m.group(3)));
  }

  private static long number(String text) {
    return Long.parseLong(text.replace(",", ""));
  }
}
