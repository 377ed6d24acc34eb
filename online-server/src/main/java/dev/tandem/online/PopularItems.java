package dev.tandem.online;

import dev.tandem.spec.FeatureSpec;
import dev.tandem.spec.def.TableDef;
import dev.tandem.spec.encoding.Values;
import dev.tandem.spec.eval.ServingPlan;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The most active items of recent days, for recall when a caller gives no candidates: per day
 * (in the spec's time zone) a sorted set of item → number of request rows with that item. One
 * rule counts them: every valid request row with an item and a time counts once, by event id,
 * whether or not a window keeps it. Materialization sets the counts of the rows in the files
 * (absolute scores: a retried Beam step cannot count twice); ingestion (HTTP, the stream job, a
 * materialization's log replay) counts each event id once ({@link #record}). The top list is
 * global, not per user, so it is computed from whole days at most once per {@link #REFRESH_MILLIS}
 * and shared by every call.
 *
 * <pre>{@code
 * PopularItems popular = new PopularItems(spec, redis, keys);
 * List<String> items = popular.top(generation, Instant.now(), 7, 100);   // item key texts, most active first
 * }</pre>
 */
public final class PopularItems {
  /** How long a computed top list is reused. */
  static final long REFRESH_MILLIS = 10_000;

  private record Cached(long generation, long lastDay, int days, int limit, long at, List<String> items) {}

  private final FeatureSpec spec;
  private final RedisState redis;
  private final RedisKeys keys;
  private volatile Cached cached;

  public PopularItems(FeatureSpec spec, RedisState redis, RedisKeys keys) {
    this.spec = spec;
    this.redis = redis;
    this.keys = keys;
    serving(spec);
  }

  /** One request row's contribution: its day (days since 1970-01-01 in the spec's time zone) and item key text. */
  public record Count(long day, String item) {}

  /**
   * What request rows count for: one {@link Count} per row with a non-NULL item and time. The one
   * rule materialization and ingestion both count with.
   */
  public static List<Count> counts(FeatureSpec spec, List<Object[]> requestRows) {
    ServingPlan serving = serving(spec);
    TableDef request = spec.plan().requestTable();
    int item = request.indexOf(serving.itemColumn());
    List<Count> counts = new ArrayList<>();
    for (Object[] row : requestRows) {
      Instant t = request.timeOf(row);
      if (row[item] != null && t != null) {
        counts.add(new Count(LocalDate.ofInstant(t, spec.timezone()).toEpochDay(),
            Values.keyText(serving.itemType(), row[item], spec.timezone())));
      }
    }
    return counts;
  }

  private static ServingPlan serving(FeatureSpec spec) {
    if (spec.serving() == null) {
      throw new IllegalArgumentException(spec.file() + " has no serving section: no item column to count");
    }
    return spec.serving();
  }

  /**
   * Counts request events, each once per event id whatever happens to it in the windows: a retried
   * event, or one replayed from the log, is never counted twice, and one whose first attempt
   * failed before it was counted is counted by the retry. Returns how many were counted now.
   */
  public long record(long generation, List<Ingestion.Event> requestEvents) {
    List<RedisState.CountOnce> counts = new ArrayList<>();
    for (Ingestion.Event e : requestEvents) {
      for (Count c : counts(spec, List.<Object[]>of(e.values()))) {
        counts.add(new RedisState.CountOnce(keys.popularIdsKey(generation, c.day()), keys.popularKey(generation, c.day()),
            e.id(), c.item()));
      }
    }
    return counts.isEmpty() ? 0 : redis.countOnce(counts);
  }

  /**
   * The {@code limit} items with the most request rows over the {@code days} days that end with
   * the day of {@code now}, most first, ties by item text.
   */
  public List<String> top(long generation, Instant now, int days, int limit) {
    long lastDay = LocalDate.ofInstant(now, spec.timezone()).toEpochDay();
    Cached c = cached;
    long clock = System.currentTimeMillis();
    if (c != null && c.generation() == generation && c.lastDay() == lastDay && c.days() == days && c.limit() == limit
        && clock - c.at() < REFRESH_MILLIS) {
      return c.items();
    }
    List<byte[]> dayKeys = new ArrayList<>();
    for (long d = lastDay - days + 1; d <= lastDay; d++) {
      dayKeys.add(keys.popularKey(generation, d));
    }
    Map<String, Double> total = new HashMap<>();
    for (Map<String, Double> day : redis.scores(dayKeys)) {
      day.forEach((item, n) -> total.merge(item, n, Double::sum));
    }
    List<String> items = total.entrySet().stream()
        .sorted(Map.Entry.<String, Double>comparingByValue(Comparator.reverseOrder()).thenComparing(Map.Entry.comparingByKey()))
        .limit(limit).map(Map.Entry::getKey).toList();
    cached = new Cached(generation, lastDay, days, limit, clock, items);
    return items;
  }
}
