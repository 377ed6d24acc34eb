package dev.tandem.online;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;

import dev.tandem.redis.LocalRedis;
import dev.tandem.spec.FeatureSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Popular items are counted once per event id: retries, replays and an ingestion killed mid-way leave the recount. */
class PopularCountsTest {
  static final String TABLES = """
      name: shop
      tables:
        req: {role: request, key: id, time: t, columns: {id: string, t: timestamp, user: string, item: string}}
      windows:
        mine: {partition: user, rows: 2}
      features:
        - {name: id, expr: id}
        - {name: seen, expr: count(item), over: mine}
      """;
  static final String SERVING = """
      serving:
        user: user
        item: item
        recall: {popular: {days: 7, limit: 100}}
      """;
  static final long GEN = 1;

  @TempDir static Path dir;
  static LocalRedis redis;
  static RedisState state;
  static RedisKeys keys;

  @BeforeAll
  static void start() throws Exception {
    redis = LocalRedis.start(dir);
    state = RedisState.connect(redis.uri());
    keys = new RedisKeys("shop", "1");
    state.set(keys.currentKey(), Long.toString(GEN).getBytes());
  }

  @AfterAll
  static void stop() {
    state.close();
    redis.close();
  }

  @Test
  void countsEqualARecountAfterRetriesAndAKilledIngestion() throws Exception {
    FeatureSpec spec = FeatureSpec.parse(TABLES + SERVING, "shop.yaml");
    // The same tables without serving: an ingestion that writes state but dies before it counts.
    FeatureSpec stateOnly = FeatureSpec.parse(TABLES, "shop.yaml");
    Random random = new Random(7);
    Instant start = Instant.parse("2026-02-01T00:00:00Z");
    List<Ingestion.Event> events = new ArrayList<>();
    for (int i = 0; i < 600; i++) {
      // some rows without a user: no window keeps them, they still count
      String user = i % 10 == 0 ? null : "u" + random.nextInt(20);
      events.add(new Ingestion.Event("r" + i, new Object[] {"r" + i, start.plus(Duration.ofMinutes(7L * i)), user,
          "item" + random.nextInt(12)}));
    }
    Ingestion ingestion = new Ingestion(spec, state, keys);
    PopularItems popular = new PopularItems(spec, state, keys);
    ingestion.ingest(GEN, "req", events.subList(0, 200));
    new Ingestion(stateOnly, state, keys).ingest(GEN, "req", events.subList(200, 300)); // killed after the state write
    popular.record(GEN, events.subList(300, 350));                                     // counted, then killed
    // The clients retry everything, some twice, in another order.
    List<Ingestion.Event> retries = new ArrayList<>(events);
    retries.addAll(events.subList(100, 400));
    java.util.Collections.shuffle(retries, random);
    for (int from = 0; from < retries.size(); from += 97) {
      ingestion.ingest(GEN, "req", retries.subList(from, Math.min(retries.size(), from + 97)));
    }
    assertThat(popular.record(GEN, events), equalTo(0L)); // a replay of the log counts nothing again

    Map<String, Double> expected = new TreeMap<>();
    Map<String, Double> actual = new TreeMap<>();
    for (Ingestion.Event e : events) {
      long day = LocalDate.ofInstant((Instant) e.values()[1], ZoneOffset.ofHours(8)).toEpochDay();
      expected.merge(day + " " + e.values()[3], 1.0, Double::sum);
    }
    for (long day : expected.keySet().stream().map(k -> Long.parseLong(k.split(" ")[0])).distinct().toList()) {
      state.scores(List.of(keys.popularKey(GEN, day))).get(0).forEach((item, n) -> actual.put(day + " " + item, n));
    }
    assertThat(expected.size(), greaterThan(40));
    assertThat(actual, equalTo(expected));
  }
}
