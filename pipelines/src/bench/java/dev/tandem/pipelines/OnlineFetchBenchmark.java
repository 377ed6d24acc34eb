package dev.tandem.pipelines;

import dev.tandem.beam.TandemFiles;
import dev.tandem.online.FeatureFetcher;
import dev.tandem.online.Ingestion;
import dev.tandem.online.RedisKeys;
import dev.tandem.online.RedisState;
import dev.tandem.redis.LocalRedis;
import dev.tandem.spec.FeatureSpec;
import dev.tandem.spec.def.TableDef;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Fetch + evaluate of one 100-candidate JD request from a real Redis, next to the bare whole-key
 * read (one MGET) of the same keys, measured in the same run. The state is the JD data ingested
 * in time order (the state as of the end of the data); the request is the user with the most
 * requests, at the data's last instant, with the 100 skus that have the most comment rows.
 *
 * <p>Arguments: {@code DATA_DIR [ITERATIONS] [redis://HOST:PORT]} (default: a local Redis of its own).
 */
public final class OnlineFetchBenchmark {
  public static void main(String[] args) throws Exception {
    FeatureSpec spec = FeatureSpec.load(Path.of("../feature-spec/specs/jd.yaml"));
    String data = args[0];
    int iterations = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
    LocalRedis local = args.length > 2 ? null : LocalRedis.start(Files.createTempDirectory("tandem-bench-redis"));
    try (RedisState redis = RedisState.connect(local != null ? local.uri() : args[2])) {
      RedisKeys keys = new RedisKeys(spec.name(), String.valueOf(spec.version()));
      long generation = redis.incrBy(keys.generationsKey(), 1);
      Map<String, List<Object[]>> tables = load(spec, data, redis, keys, generation);
      redis.set(keys.currentKey(), Long.toString(generation).getBytes());
      System.out.printf("state: %,d keys, Redis used_memory %,d bytes%n", redis.scanKeys(keys.generationPrefix(generation)).size(),
          redis.usedMemory());

      List<Object[]> requests = candidates(spec, tables);
      FeatureFetcher fetcher = new FeatureFetcher(spec, redis, keys);
      List<byte[]> stateKeys = fetcher.stateKeys(generation, requests, false);
      long payload = redis.getAll(stateKeys).stream().mapToLong(v -> v == null ? 0 : v.length).sum();
      System.out.printf("one request: %d candidates, %d keys, MGET payload %,d bytes%n", requests.size(), stateKeys.size(), payload);

      long[] mget = new long[iterations];
      long[] features = new long[iterations];
      for (int warm = 0; warm < 2_000; warm++) {
        redis.getAll(stateKeys);
        fetcher.features(requests);
      }
      for (int i = 0; i < iterations; i++) {
        long t0 = System.nanoTime();
        redis.getAll(stateKeys);
        long t1 = System.nanoTime();
        fetcher.features(requests);
        long t2 = System.nanoTime();
        mget[i] = t1 - t0;
        features[i] = t2 - t1;
      }
      System.out.printf("bare MGET of the %d keys:           p50 %.3f ms, p99 %.3f ms%n", stateKeys.size(), p(mget, 50), p(mget, 99));
      System.out.printf("fetch + evaluate of %d candidates:   p50 %.3f ms, p99 %.3f ms (%d iterations)%n", requests.size(),
          p(features, 50), p(features, 99), iterations);
    } finally {
      if (local != null) {
        local.close();
      }
    }
  }

  /** Every table's rows ingested in time order (the state as of the end of the data); returns the rows. */
  private static Map<String, List<Object[]>> load(FeatureSpec spec, String data, RedisState redis, RedisKeys keys, long generation)
      throws Exception {
    record Row(String table, Object[] values, long sequence, long time) {}
    List<Row> rows = new ArrayList<>();
    Map<String, List<Object[]>> tables = new HashMap<>();
    for (TableDef t : spec.tables()) {
      int time = t.indexOf(t.time());
      List<Object[]> values = tables.computeIfAbsent(t.name(), n -> new ArrayList<>());
      TandemFiles.readTable(spec, data, t, new TandemFiles.TableRows() {
        @Override
        public void row(Object[] v, long sequence) {
          if (v[time] != null) {
            rows.add(new Row(t.name(), v, sequence, ((Instant) v[time]).toEpochMilli()));
            values.add(v);
          }
        }

        @Override
        public void rejected(String reason) {}
      });
    }
    rows.sort(Comparator.comparingLong(Row::time).thenComparing(Row::table).thenComparingLong(Row::sequence));
    Ingestion ingestion = new Ingestion(spec, redis, keys);
    long started = System.nanoTime();
    for (int from = 0; from < rows.size(); ) {
      String table = rows.get(from).table();
      int to = from;
      while (to < rows.size() && to - from < 1000 && rows.get(to).table().equals(table)) {
        to++;
      }
      ingestion.ingest(generation, table, rows.subList(from, to).stream()
          .map(r -> new Ingestion.Event(r.table() + "#" + r.sequence(), r.values())).toList());
      from = to;
    }
    System.out.printf("ingested %,d rows in %.1f s%n", rows.size(), (System.nanoTime() - started) / 1e9);
    return tables;
  }

  /** The user with the most requests at the data's last instant, with the 100 skus that have the most comment rows. */
  private static List<Object[]> candidates(FeatureSpec spec, Map<String, List<Object[]>> tables) {
    TableDef request = spec.plan().requestTable();
    int user = request.indexOf("user_id");
    Map<Object, Long> perUser = new HashMap<>();
    Instant last = Instant.EPOCH;
    for (Object[] r : tables.get(request.name())) {
      if (r[user] != null) {
        perUser.merge(r[user], 1L, Long::sum);
      }
      Instant t = (Instant) r[request.indexOf("eventTime")];
      last = t.isAfter(last) ? t : last;
    }
    String userId = (String) perUser.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
    TableDef comments = spec.table("bo_comment");
    Map<Object, Long> perSku = new HashMap<>();
    for (Object[] r : tables.get("bo_comment")) {
      perSku.merge(r[comments.indexOf("sku_id")], 1L, Long::sum);
    }
    List<Object> skus = perSku.entrySet().stream().sorted(Map.Entry.<Object, Long>comparingByValue().reversed()).limit(100)
        .map(Map.Entry::getKey).toList();
    List<Object[]> rows = new ArrayList<>();
    for (Object sku : skus) {
      Object[] row = new Object[request.columns().size()];
      row[request.indexOf("reqId")] = "bench-" + sku;
      row[request.indexOf("eventTime")] = last;
      row[request.indexOf("user_id")] = userId;
      row[request.indexOf("sku_id")] = sku;
      row[request.indexOf("pair_id")] = userId + "_" + sku;
      rows.add(row);
    }
    return rows;
  }

  private static double p(long[] nanos, int percentile) {
    long[] sorted = Arrays.copyOf(nanos, nanos.length);
    Arrays.sort(sorted);
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(percentile / 100.0 * sorted.length) - 1)] / 1e6;
  }
}
