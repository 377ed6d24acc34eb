package dev.tandem.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;

import dev.tandem.testdata.JdSample;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.util.HadoopOutputFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line: exit codes, messages, and output that is complete or absent. */
class TandemCliTest {
  static final Path JD_SPEC = Path.of("../feature-spec/specs/jd.yaml");

  /** A tiny spec: requests joined to a dimension table, with a window over the requests. */
  static final String SMALL_SPEC = """
      name: small
      tables:
        req:
          role: request
          key: id
          time: t
          columns: {id: string, t: timestamp, user: string}
        users:
          role: dimension
          columns: {user: string, level: int}
      windows:
        per_user: {partition: user, rows: 5}
      joins:
        u: {table: users, on: user}
      features:
        - {name: id, expr: id}
        - {name: seen, expr: count(id), over: per_user}
        - {name: level, expr: u.level}
      """;

  @TempDir
  Path dir;

  record Result(int code, String out, String err) {}

  static Result cli(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = TandemCli.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Result(code, out.toString(), err.toString());
  }

  @Test
  void helpListsEveryCommandIncludingServe() {
    Result r = cli("--help");
    for (String command : List.of("validate", "features", "training-set", "train", "score", "generate", "materialize",
        "state-digest", "check-consistency", "demo", "serve")) {
      assertThat(r.out(), containsString("\n  " + command + " "));
    }
    Result serve = cli("serve", "--help");
    assertThat(serve.err(), serve.code(), is(0));
    assertThat(serve.out(), containsString("--redis"));
  }

  @Test
  void validateAcceptsTheJdSpec() {
    Result r = cli("validate", JD_SPEC.toString());
    assertThat(r.err(), r.code(), is(0));
    assertThat(r.out(), containsString("42 features"));
  }

  @Test
  void validatePrintsEachErrorAsFileLineColumnAndExitsTwo() throws IOException {
    Path spec = dir.resolve("broken.yaml");
    Files.writeString(spec, SMALL_SPEC.replace("u.level", "u.nope").replace("rows: 5", "rows: 5, maxsize: 3"));
    Result r = cli("validate", spec.toString());
    assertThat(r.code(), is(2));
    List<String> lines = r.err().lines().toList();
    assertThat(lines.size(), is(2));
    assertThat(lines.get(0), is(spec + ":12:40: maxsize needs a range window ('range: 14d'); window 'per_user' has none"));
    assertThat(lines.get(1), is(spec + ":18:25: unknown column 'nope' in table 'users' (join 'u')"));
  }

  @Test
  void validateOfAMissingFileExitsTwo() {
    Result r = cli("validate", dir.resolve("none.yaml").toString());
    assertThat(r.code(), is(2));
    assertThat(r.err(), containsString("none.yaml:1:1: no such file"));
  }

  @Test
  void featuresWritesTheTableAndMarksItComplete() throws IOException {
    Path spec = writeSmallSpec();
    Path data = dir.resolve("data");
    writeRequests(data, requestSchema(), List.of(
        request("r1", 1_000L, "ann"), request("r2", 2_000L, "ann"), request("r3", 3_000L, null)));
    writeUsers(data, List.of(user("ann", 3)));
    Path out = dir.resolve("out");
    Result r = cli("features", "--spec", spec.toString(), "--data", data.toString(), "--out", out.toString());
    assertThat(r.err(), r.code(), is(0));
    assertThat(r.out(), containsString("features: 3 rows x 3 columns"));
    assertThat(Files.readString(out.resolve("_SUCCESS")), containsString("rows=3"));
    assertThat(Files.exists(out.resolve(".tandem-staging")), is(false));

    Result again = cli("features", "--spec", spec.toString(), "--data", data.toString(), "--out", out.toString());
    assertThat(again.code(), is(2));
    assertThat(again.err(), containsString("is not empty; pass --overwrite"));
    Result overwritten = cli("features", "--spec", spec.toString(), "--data", data.toString(), "--out", out.toString(),
        "--overwrite");
    assertThat(overwritten.err(), overwritten.code(), is(0));
  }

  @Test
  void aMissingTableFolderIsNamedAndNothingIsWritten() throws IOException {
    Path spec = writeSmallSpec();
    Path data = dir.resolve("data");
    writeRequests(data, requestSchema(), List.of(request("r1", 1_000L, "ann")));
    Path out = dir.resolve("out");
    Result r = cli("features", "--spec", spec.toString(), "--data", data.toString(), "--out", out.toString());
    assertThat(r.code(), is(2));
    assertThat(r.err(), containsString("table 'users': missing folder " + data.resolve("users")));
    assertThat(listing(out), empty());
  }

  @Test
  void aMissingOrMistypedColumnNamesTableColumnAndFile() throws IOException {
    Path spec = writeSmallSpec();
    Path data = dir.resolve("data");
    Schema noUser = SchemaBuilder.record("req").fields()
        .name("id").type().stringType().noDefault()
        .name("t").type(LogicalTypes.timestampMicros().addToSchema(Schema.create(Schema.Type.LONG))).noDefault()
        .endRecord();
    GenericRecord row = new GenericData.Record(noUser);
    row.put("id", "r1");
    row.put("t", 1_000_000L);
    writeRequests(data, noUser, List.of(row));
    Schema levelAsDouble = SchemaBuilder.record("users").fields()
        .name("user").type().stringType().noDefault()
        .name("level").type().doubleType().noDefault()
        .endRecord();
    GenericRecord u = new GenericData.Record(levelAsDouble);
    u.put("user", "ann");
    u.put("level", 3.0);
    write(data.resolve("users").resolve("part-0.parquet"), levelAsDouble, List.of(u));
    Path out = dir.resolve("out");

    Result r = cli("features", "--spec", spec.toString(), "--data", data.toString(), "--out", out.toString());
    assertThat(r.code(), is(2));
    assertThat(r.err(), containsString("table 'req', column 'user': missing in " + data.resolve("req").resolve("part-0.parquet")));
    assertThat(r.err(), containsString("table 'users', column 'level': declared int but "
        + data.resolve("users").resolve("part-0.parquet") + " has DOUBLE"));
    assertThat(listing(out), empty());
  }

  @Test
  void anUnknownRunnerIsABadArgument() throws IOException {
    Path spec = writeSmallSpec();
    Path data = dir.resolve("data");
    writeRequests(data, requestSchema(), List.of(request("r1", 1_000L, "ann")));
    writeUsers(data, List.of(user("ann", 3)));
    Result r = cli("features", "--spec", spec.toString(), "--data", data.toString(), "--out", dir.resolve("o").toString(),
        "--runner", "nope");
    assertThat(r.code(), is(2));
    assertThat(r.err(), containsString("unknown runner 'nope'"));
  }

  @Test
  void featuresOnTheRealJdSampleWritesEveryRequestWithFortyTwoColumns() throws IOException {
    Path sample = JdSample.forTest();
    Path out = dir.resolve("jd");
    Result r = cli("features", "--spec", JD_SPEC.toString(), "--data", sample.toString(), "--out", out.toString());
    assertThat(r.err(), r.code(), is(0));
    assertThat(r.out(), containsString("features: 13916 rows x 42 columns"));
    assertThat(Files.readString(out.resolve("_SUCCESS")), containsString("rows=13916\ncolumns=42"));
  }

  // ------------------------------------------------------------------ fixtures

  private Path writeSmallSpec() throws IOException {
    Path spec = dir.resolve("small.yaml");
    Files.writeString(spec, SMALL_SPEC);
    return spec;
  }

  private static Schema requestSchema() {
    return SchemaBuilder.record("req").fields()
        .name("id").type().stringType().noDefault()
        .name("t").type(LogicalTypes.timestampMicros().addToSchema(Schema.create(Schema.Type.LONG))).noDefault()
        .name("user").type().unionOf().nullType().and().stringType().endUnion().nullDefault()
        .endRecord();
  }

  private static GenericRecord request(String id, long millis, String user) {
    GenericRecord r = new GenericData.Record(requestSchema());
    r.put("id", id);
    r.put("t", millis * 1000);
    r.put("user", user);
    return r;
  }

  private static Schema userSchema() {
    return SchemaBuilder.record("users").fields()
        .name("user").type().stringType().noDefault()
        .name("level").type().intType().noDefault()
        .endRecord();
  }

  private static GenericRecord user(String name, int level) {
    GenericRecord r = new GenericData.Record(userSchema());
    r.put("user", name);
    r.put("level", level);
    return r;
  }

  private static void writeRequests(Path data, Schema schema, List<GenericRecord> rows) throws IOException {
    write(data.resolve("req").resolve("part-0.parquet"), schema, rows);
  }

  private static void writeUsers(Path data, List<GenericRecord> rows) throws IOException {
    write(data.resolve("users").resolve("part-0.parquet"), userSchema(), rows);
  }

  /** Writes rows with parquet-avro directly: test input made without Tandem's own writer. */
  static void write(Path file, Schema schema, List<GenericRecord> rows) throws IOException {
    Files.createDirectories(file.getParent());
    try (ParquetWriter<GenericRecord> w = AvroParquetWriter.<GenericRecord>builder(
        HadoopOutputFile.fromPath(new org.apache.hadoop.fs.Path(file.toUri()), new Configuration()))
        .withSchema(schema).build()) {
      for (GenericRecord r : rows) {
        w.write(r);
      }
    }
  }

  private static List<Path> listing(Path out) throws IOException {
    if (!Files.exists(out)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(out)) {
      return s.toList();
    }
  }
}
