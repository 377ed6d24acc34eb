package dev.tandem.online;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;

import dev.tandem.redis.LocalRedis;
import dev.tandem.spec.FeatureSpec;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;


/** The most active items of recent days, counted by ingestion of request rows, in a real Redis. */
class PopularItemsTest {
  static final String SPEC = """
      name: shop
      timezone: "+00:00"
      tables:
        req: {role: request, key: id, time: t, columns: {id: string, t: timestamp, user: string, item: string}}
      windows:
        past: {partition: user, rows: 5}
      features:
        - {name: id, expr: id}
        - {name: seen, expr: count(item), over: past}
      serving:
        user: user
        item: item
        recall:
          popular: {days: 2, limit: 10}
      """;

  @TempDir Path dir;

  private static Ingestion.Event request(String id, String day, String item) {
    return new Ingestion.Event(id, new Object[] {id, Instant.parse(day + "T12:00:00Z"), "u-" + id, item});
  }

  @Test
  void requestRowsCountPerDayOnceEvenWhenRetriedAndTheTopCoversTheLastDays() throws Exception {
    FeatureSpec spec = FeatureSpec.parse(SPEC, "shop.yaml");
    RedisKeys keys = new RedisKeys("shop", "1");
    try (LocalRedis redis = LocalRedis.start(dir); RedisState state = RedisState.connect(redis.uri())) {
      Ingestion ingestion = new Ingestion(spec, state, keys);
      List<Ingestion.Event> events = List.of(request("1", "2026-01-01", "old"), request("2", "2026-01-01", "old"),
          request("3", "2026-01-01", "old"), request("4", "2026-01-02", "b"), request("5", "2026-01-03", "a"),
          request("6", "2026-01-03", "a"), request("7", "2026-01-03", "b"), request("8", "2026-01-03", "c"));
      ingestion.ingest(1, "req", events);
      ingestion.ingest(1, "req", events); // a retry: duplicates, not counted again
      PopularItems popular = new PopularItems(spec, state, keys);
      assertThat(popular.top(1, Instant.parse("2026-01-03T23:00:00Z"), 2, 10), contains("a", "b", "c"));
      assertThat(new PopularItems(spec, state, keys).top(1, Instant.parse("2026-01-03T23:00:00Z"), 3, 2), contains("old", "a"));
      assertThat(new PopularItems(spec, state, keys).top(1, Instant.parse("2025-12-01T00:00:00Z"), 2, 10), empty());
    }
  }
}
