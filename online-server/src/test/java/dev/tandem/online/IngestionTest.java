package dev.tandem.online;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

import dev.tandem.redis.LocalRedis;
import dev.tandem.spec.FeatureSpec;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;


/** Ingestion and the fetcher against a real Redis: idempotent, late rows ignored, state evaluated by the core. */
class IngestionTest {
  static final String SPEC = """
      name: shop
      tables:
        req: {role: request, key: id, time: t, columns: {id: string, t: timestamp, user: string}}
        clicks: {role: event, time: t, columns: {t: timestamp, user: string, item: string}}
      windows:
        last_hour: {union: [clicks], partition: user, range: 1h, maxsize: 3, instance_not_in_window: true,
                    request_row: {item: "null"}}
      features:
        - {name: id, expr: id}
        - {name: clicks_1h, expr: count(item), over: last_hour}
        - {name: items_1h, expr: distinct_count(item), over: last_hour}
      """;
  static final long GEN = 1;

  @TempDir static Path dir;
  static LocalRedis redis;
  static RedisState state;
  static FeatureSpec spec;
  static RedisKeys keys;

  @BeforeAll
  static void start() throws Exception {
    redis = LocalRedis.start(dir);
    state = RedisState.connect(redis.uri());
    spec = FeatureSpec.parse(SPEC, "shop.yaml");
    keys = new RedisKeys("shop", "1");
    state.set(keys.currentKey(), Long.toString(GEN).getBytes());
  }

  @AfterAll
  static void stop() {
    state.close();
    redis.close();
  }

  private static Object[] click(String at, String user, String item) {
    return new Object[] {Instant.parse(at), user, item};
  }

  private static Object[] features(String user, String at) {
    return new FeatureFetcher(spec, state, keys).features(List.<Object[]>of(new Object[] {"r", Instant.parse(at), user})).get(0);
  }

  private static byte[] stored(String user) {
    return state.get(keys.stateKey(GEN, "clicks", "user", user));
  }

  @Test
  void anEventIngestedTwiceChangesNothing() {
    Ingestion ingestion = new Ingestion(spec, state, keys);
    List<Ingestion.Event> events = List.of(new Ingestion.Event("e1", click("2026-01-01T10:00:00Z", "u1", "a")),
        new Ingestion.Event("e2", click("2026-01-01T10:01:00Z", "u1", "b")));
    assertThat(ingestion.ingest(GEN, "clicks", events).stream().map(Ingestion.Result::status).toList(),
        contains(Ingestion.Status.ACCEPTED, Ingestion.Status.ACCEPTED));
    byte[] before = stored("u1");
    assertThat(ingestion.ingest(GEN, "clicks", events).stream().map(Ingestion.Result::status).toList(),
        contains(Ingestion.Status.DUPLICATE, Ingestion.Status.DUPLICATE));
    assertThat(Arrays.equals(stored("u1"), before), is(true));
    assertThat(features("u1", "2026-01-01T10:30:00Z")[1], is(2L));
  }

  @Test
  void aRowOlderThanEveryWindowIsLateAndLeavesTheStateAlone() {
    Ingestion ingestion = new Ingestion(spec, state, keys);
    ingestion.ingest(GEN, "clicks", List.of(new Ingestion.Event("n1", click("2026-01-02T10:00:00Z", "u2", "a"))));
    byte[] before = stored("u2");
    List<Ingestion.Result> late = ingestion.ingest(GEN, "clicks",
        List.of(new Ingestion.Event("old", click("2026-01-02T08:59:59Z", "u2", "z"))));
    assertThat(late.get(0).status(), is(Ingestion.Status.LATE));
    assertThat(Arrays.equals(stored("u2"), before), is(true));
    assertThat(features("u2", "2026-01-02T10:00:00Z")[1], is(1L));
  }

  @Test
  void maxsizeTrimsTheStateAndTiesGoToTheLaterIngested() {
    Ingestion ingestion = new Ingestion(spec, state, keys);
    for (int i = 0; i < 6; i++) {
      ingestion.ingest(GEN, "clicks", List.of(new Ingestion.Event("m" + i, click("2026-01-03T10:00:00Z", "u3", "i" + i))));
    }
    // MAXSIZE 3: the request and the two last ingested rows at its instant
    assertThat(features("u3", "2026-01-03T10:00:00Z")[1], is(2L));
    assertThat(new dev.tandem.spec.encoding.RowCodec(spec.table("clicks")).decode(stored("u3")).stream().map(r -> r.values()[2]).toList(),
        contains("i4", "i5"));
  }

  @Test
  void badRowsAreRejectedWithTheReasonAndUnknownTablesNamed() {
    Ingestion ingestion = new Ingestion(spec, state, keys);
    List<Ingestion.Result> results = ingestion.ingest(GEN, "clicks", List.of(
        new Ingestion.Event("b1", new Object[] {null, "u4", "a"}),
        new Ingestion.Event("b2", new Object[] {Instant.EPOCH, 7, "a"}),
        new Ingestion.Event("", click("2026-01-01T00:00:00Z", "u4", "a"))));
    assertThat(results.get(0).reason(), containsString("column 't': NULL time"));
    assertThat(results.get(1).reason(), containsString("column 'user': expected string, got Integer"));
    assertThat(results.get(2).reason(), containsString("no event id"));
    // A request without its key is rejected online as offline (TableDef.rejection): it would otherwise enter windows.
    assertThat(ingestion.ingest(GEN, "req", List.of(new Ingestion.Event("b4", new Object[] {null, Instant.EPOCH, "u4"})))
        .get(0).reason(), containsString("column 'id': NULL request key"));
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> ingestion.ingest(GEN, "nope", List.of()));
    assertThat(e.getMessage(), containsString("unknown table 'nope'"));
  }

  @Test
  void aRowEightHoursAheadOfItsArrivalIsRejectedAndTheWindowIsUntouched() {
    Ingestion ingestion = new Ingestion(spec, state, keys);
    Instant now = Instant.parse("2026-01-04T10:00:00Z");
    ingestion.ingest(GEN, "clicks", List.of(new Ingestion.Event("f1", click("2026-01-04T09:50:00Z", "u5", "a"), now)));
    byte[] before = stored("u5");
    // A +08:00 wall time sent as Z: eight hours ahead of the clock. Taken, it would evict the key's last hour.
    List<Ingestion.Result> ahead = ingestion.ingest(GEN, "clicks",
        List.of(new Ingestion.Event("f2", click("2026-01-04T18:00:00Z", "u5", "b"), now)));
    assertThat(ahead.get(0).status(), is(Ingestion.Status.REJECTED));
    assertThat(ahead.get(0).reason(), containsString("'t' 2026-01-04T18:00:00Z is more than PT5M ahead of the clock"));
    assertThat(Arrays.equals(stored("u5"), before), is(true));
    assertThat(features("u5", "2026-01-04T10:00:00Z")[1], is(1L));
    // Within the skew it is taken.
    assertThat(ingestion.ingest(GEN, "clicks", List.of(new Ingestion.Event("f3", click("2026-01-04T10:04:00Z", "u5", "c"), now)))
        .get(0).status(), is(Ingestion.Status.ACCEPTED));
  }

  @Test
  void liveIngestionLogsEveryValidEventBeforeWritingItIntoTheCurrentGeneration() {
    Ingestion ingestion = new Ingestion(spec, state, keys);
    Ingestion.Outcome outcome = ingestion.ingestLive("clicks", List.of(
        new Ingestion.Event("l1", click("2026-01-05T10:00:00Z", "u6", "a")),
        new Ingestion.Event("l2", new Object[] {null, "u6", "b"}),
        new Ingestion.Event("l3", click("2026-01-05T10:01:00Z", "u6", "c"))));
    assertThat(outcome.generation(), is(GEN));
    assertThat(outcome.results().stream().map(Ingestion.Result::status).toList(),
        contains(Ingestion.Status.ACCEPTED, Ingestion.Status.REJECTED, Ingestion.Status.ACCEPTED));
    List<String> logged = new EventLog(spec, state, keys).read("clicks", EventLog.START, 1000).stream()
        .map(e -> e.event().id()).filter(id -> id.startsWith("l")).toList();
    assertThat(logged, contains("l1", "l3"));
    assertThat(features("u6", "2026-01-05T10:30:00Z")[1], is(2L));
  }
}
