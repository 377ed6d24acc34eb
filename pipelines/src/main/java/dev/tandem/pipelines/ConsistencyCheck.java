package dev.tandem.pipelines;

import dev.tandem.beam.TandemFiles;
import dev.tandem.online.FeatureFetcher;
import dev.tandem.online.Ingestion;
import dev.tandem.online.RedisKeys;
import dev.tandem.online.RedisState;
import dev.tandem.spec.FeatureSpec;
import dev.tandem.spec.def.FeatureDef;
import dev.tandem.spec.def.TableDef;
import dev.tandem.spec.encoding.Values;
import dev.tandem.spec.eval.StatePlan;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * Proves online = offline: replays every table's rows through online ingestion in the tie order
 * and, at each request, fetches its state from Redis, evaluates it online (the server's fetcher)
 * and compares the row with the offline feature row of that request, cell by cell.
 *
 * <p>Stores read only by {@code latest} joins hold the table as it stands (offline: at the end of
 * the data), so they are loaded whole before the first request; every other store is replayed in
 * order: at equal times event rows before requests (a request is the most recent row at its
 * instant), then by table and ingestion sequence. A request is evaluated before it is ingested.
 * Rows the offline job rejects (a NULL time, a request without a key, a value that does not parse)
 * are left out here too. The replay writes into a generation of its own, never the served one,
 * and deletes it at the end.
 */
final class ConsistencyCheck {
  /** Rows ingested per call between two requests. */
  private static final int BATCH = 1000;
  private static final int EXAMPLES = 3;

  /** The outcome: counts, and per feature the differing cells with a few examples. */
  record Report(long requests, long matching, long differing, long missingOnline, long missingOffline,
      long rejectedRows, Map<String, Long> cellsPerFeature, Map<String, List<String>> examples) {
    boolean consistent() {
      return differing == 0 && missingOnline == 0 && missingOffline == 0;
    }

    long differingCells() {
      return cellsPerFeature.values().stream().mapToLong(Long::longValue).sum();
    }
  }

  private record Replayed(int table, Object[] values, long sequence, long time, boolean request) {}

  private final FeatureSpec spec;
  private final RedisState redis;
  private final RedisKeys keys;
  private final PrintWriter log;
  private final ViaKafka viaKafka;
  private final Rematerialize rematerialize;

  /**
   * The replay through Kafka and {@code tandem stream} instead of direct ingestion: {@code resend}
   * of the messages sent twice, the stream job stopped and started again half-way when
   * {@code restart}.
   */
  record ViaKafka(String kafka, String redisUri, double resend, boolean restart, PipelineOptions options) {}

  /**
   * A nightly materialization in the middle of the replay: the replay is the live state (current,
   * events logged), and once it passes {@code at}, {@code tandem materialize} runs over the data
   * as of {@code asOf}; the replay goes on against the new generation.
   */
  record Rematerialize(Instant at, Instant asOf, String dataDir, String redisUri) {}

  ConsistencyCheck(FeatureSpec spec, RedisState redis, PrintWriter log, ViaKafka viaKafka, Rematerialize rematerialize) {
    this.spec = spec;
    this.redis = redis;
    this.keys = MaterializeJob.keys(spec);
    this.log = log;
    this.viaKafka = viaKafka;
    this.rematerialize = rematerialize;
  }

  Report run(String dataDir, String offlineDir, Path onlineOut) throws IOException {
    TableDef request = spec.plan().requestTable();
    int keyFeature = requestKeyFeature();
    Map<String, Object[]> offline = new HashMap<>();
    for (Object[] row : TandemFiles.readFeatures(spec, offlineDir)) {
      offline.put(keyText(row[keyFeature]), row);
    }
    log.printf("check-consistency: %d offline rows from %s%n", offline.size(), offlineDir);

    StatePlan state = spec.plan().state();
    Set<StatePlan.Store> preloaded = state.stores().stream().filter(StatePlan.Store::latestOnly).collect(Collectors.toSet());
    long[] rejected = new long[1];
    List<List<Replayed>> tables = new ArrayList<>();
    for (int t = 0; t < spec.tables().size(); t++) {
      tables.add(read(dataDir, t, rejected));
    }
    long generation = redis.incrBy(keys.generationsKey(), 1);
    Ingestion ingestion = new Ingestion(spec, redis, keys);
    FeatureFetcher fetcher = new FeatureFetcher(spec, redis, keys);
    if (rematerialize != null) {
      redis.set(keys.currentKey(), Long.toString(generation).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }
    try {
      preload(tables, generation, ingestion, preloaded);
      List<Replayed> replay = new ArrayList<>();
      for (int t = 0; t < tables.size(); t++) {
        String name = spec.tables().get(t).name();
        boolean replayed = state.storesOf(name).stream().anyMatch(s -> !preloaded.contains(s));
        if (replayed || name.equals(request.name())) {
          replay.addAll(tables.get(t));
        }
      }
      replay.sort(Comparator.comparingLong(Replayed::time).thenComparing(Replayed::request)
          .thenComparingInt(Replayed::table).thenComparingLong(Replayed::sequence));
      if (viaKafka == null) {
        return compare(replay, generation, ingestion, null, fetcher, offline, keyFeature, onlineOut, rejected[0], preloaded,
            tables);
      }
      try (KafkaReplay kafka = new KafkaReplay(spec, redis, viaKafka.redisUri(), viaKafka.kafka(), generation,
          viaKafka.resend(), preloaded, viaKafka.options(), log)) {
        long started = System.nanoTime();
        Report report = compare(replay, generation, ingestion, kafka, fetcher, offline, keyFeature, onlineOut, rejected[0],
            preloaded, tables);
        double seconds = (System.nanoTime() - started) / 1e9;
        log.printf(java.util.Locale.ROOT, "check-consistency: via Kafka: %,d messages (%,d sent twice) applied by the stream job "
            + "in %.1f s: %,.0f events/s%n", kafka.messages(), kafka.resent(), seconds, kafka.messages() / seconds);
        return report;
      } catch (java.util.concurrent.ExecutionException e) {
        throw new IllegalArgumentException("cannot create the replay's topics in " + viaKafka.kafka() + ": "
            + e.getCause().getMessage(), e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      }
    } finally {
      redis.deleteByPrefix(keys.generationPrefix(generation));
    }
  }

  /** Loads the stores read only by {@code latest} joins with their tables as they stand at the end of the data. */
  private void preload(List<List<Replayed>> tables, long generation, Ingestion ingestion, Set<StatePlan.Store> preloaded) {
    for (int t = 0; t < tables.size(); t++) {
      String name = spec.tables().get(t).name();
      if (spec.plan().state().storesOf(name).stream().anyMatch(preloaded::contains)) {
        List<Replayed> rows = new ArrayList<>(tables.get(t));
        rows.sort(Comparator.comparingLong(Replayed::sequence));
        for (int from = 0; from < rows.size(); from += BATCH) {
          ingestion.ingest(generation, name, events(rows.subList(from, Math.min(rows.size(), from + BATCH))), preloaded::contains);
        }
        log.printf("check-consistency: loaded %s (%d rows) as it stands at the end of the data%n", name, rows.size());
      }
    }
  }

  /**
   * Runs {@code tandem materialize} as of {@link Rematerialize#asOf} over the data, then loads the
   * {@code latest}-join stores of the new generation as the replay has them (the end of the data:
   * the offline meaning of {@code latest}); returns the new generation.
   */
  private long rematerialize(List<List<Replayed>> tables, Ingestion ingestion, Set<StatePlan.Store> preloaded) {
    java.io.StringWriter text = new java.io.StringWriter();
    PrintWriter out = new PrintWriter(text, true);
    int code;
    try {
      code = new MaterializeJob(spec, rematerialize.dataDir(), rematerialize.redisUri(), rematerialize.asOf(), 0, "direct",
          List.of(), out, out).run();
    } catch (IOException e) {
      throw new IllegalStateException("the materialization failed: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
    if (code != TandemCli.OK) {
      throw new IllegalStateException("the materialization failed:\n" + text);
    }
    long generation = ingestion.currentGeneration();
    text.toString().lines().filter(l -> l.startsWith("carried over") || l.startsWith("materialize:"))
        .forEach(l -> log.println("check-consistency: " + l));
    preload(tables, generation, ingestion, preloaded);
    return generation;
  }

  private Report compare(List<Replayed> replay, long generation, Ingestion ingestion, KafkaReplay kafka, FeatureFetcher fetcher,
      Map<String, Object[]> offline, int keyFeature, Path onlineOut, long rejected, Set<StatePlan.Store> preloaded,
      List<List<Replayed>> tables) throws IOException {
    List<FeatureDef> features = spec.features();
    Map<String, Long> cells = new LinkedHashMap<>();
    Map<String, List<String>> examples = new LinkedHashMap<>();
    long requests = 0;
    long matching = 0;
    long differing = 0;
    long missingOffline = 0;
    Map<Integer, List<Replayed>> pending = new LinkedHashMap<>();
    Set<String> seen = new java.util.HashSet<>();
    long requestsInReplay = replay.stream().filter(Replayed::request).count();
    boolean rematerialized = false;
    long started = System.nanoTime();
    long lastLog = started;
    try (TandemFiles.FeatureFileWriter out = onlineOut == null ? null
        : TandemFiles.featureWriter(spec, onlineOut.resolve("part-00000-of-00001.parquet"))) {
      for (Replayed row : replay) {
        if (rematerialize != null && !rematerialized && row.time() > rematerialize.at().toEpochMilli()) {
          flush(pending, generation, ingestion, kafka, preloaded);
          log.printf("check-consistency: the replay passed %s after %d requests: materializing as of %s%n", rematerialize.at(),
              requests, rematerialize.asOf());
          generation = rematerialize(tables, ingestion, preloaded);
          rematerialized = true;
        }
        if (!row.request()) {
          List<Replayed> batch = pending.computeIfAbsent(row.table(), t -> new ArrayList<>());
          batch.add(row);
          if (batch.size() == BATCH) {
            flush(pending, generation, ingestion, kafka, preloaded);
          }
          continue;
        }
        flush(pending, generation, ingestion, kafka, preloaded);
        if (kafka != null) {
          if (viaKafka.restart() && requests == requestsInReplay / 2) {
            kafka.restart();
            kafka.awaitApplied();
          }
          kafka.awaitApplied(spec.plan().state().refs(row.values()));
        }
        List<Object[]> one = List.<Object[]>of(row.values());
        Object[] online = fetcher.evaluate(one, fetcher.fetch(generation, one)).get(0);
        requests++;
        if (out != null) {
          out.write(online);
        }
        String key = keyText(online[keyFeature]);
        seen.add(key);
        Object[] expected = offline.get(key);
        if (expected == null) {
          missingOffline++;
        } else {
          boolean same = true;
          for (int f = 0; f < features.size(); f++) {
            if (!Objects.equals(expected[f], online[f])) {
              same = false;
              String name = features.get(f).name();
              cells.merge(name, 1L, Long::sum);
              List<String> list = examples.computeIfAbsent(name, n -> new ArrayList<>());
              if (list.size() < EXAMPLES) {
                list.add("request " + key + ": offline " + expected[f] + ", online " + online[f]);
              }
            }
          }
          if (same) {
            matching++;
          } else {
            differing++;
          }
        }
        pending.computeIfAbsent(row.table(), t -> new ArrayList<>()).add(row);
        if (System.nanoTime() - lastLog > 10_000_000_000L) {
          lastLog = System.nanoTime();
          log.printf("check-consistency: %d requests replayed (%.0f/s), %d differing%n", requests,
              requests / ((lastLog - started) / 1e9), differing);
        }
      }
      flush(pending, generation, ingestion, kafka, preloaded);
      if (kafka != null) {
        kafka.awaitApplied();
      }
    }
    long missingOnline = offline.keySet().stream().filter(k -> !seen.contains(k)).count();
    return new Report(requests, matching, differing, missingOnline, missingOffline, rejected, cells, examples);
  }

  /**
   * Ingests the pending rows, or sends them to Kafka. The stream job writes into every store of a
   * table, also those loaded whole before the replay: a row they already hold is a duplicate, an
   * older one is dropped again by their retention, so the state is the same.
   */
  private void flush(Map<Integer, List<Replayed>> pending, long generation, Ingestion ingestion, KafkaReplay kafka,
      Set<StatePlan.Store> preloaded) {
    pending.forEach((t, rows) -> {
      if (rematerialize != null) {
        ingestion.ingestLive(spec.tables().get(t).name(), events(rows)); // logged, into current: the live path
      } else if (kafka == null) {
        ingestion.ingest(generation, spec.tables().get(t).name(), events(rows), s -> !preloaded.contains(s));
      } else {
        kafka.send(spec.tables().get(t), rows.stream().map(Replayed::values).toList(),
            rows.stream().map(r -> Long.toString(r.sequence())).toList(), rows.stream().map(Replayed::time).toList());
      }
    });
    pending.clear();
  }

  /** The rows as events arriving at their own time: a replay's clock is the data's, so historical rows stay accepted. */
  private static List<Ingestion.Event> events(List<Replayed> rows) {
    return rows.stream().map(r -> new Ingestion.Event(Long.toString(r.sequence()), r.values(), Instant.ofEpochMilli(r.time())))
        .toList();
  }

  /** A table's rows as the offline job takes them: rows it rejects ({@link TableDef#rejection}) are counted and left out. */
  private List<Replayed> read(String dataDir, int t, long[] rejected) throws IOException {
    TableDef table = spec.tables().get(t);
    boolean isRequest = table.name().equals(spec.plan().requestTable().name());
    int timeIndex = table.time() == null ? -1 : table.indexOf(table.time());
    List<Replayed> rows = new ArrayList<>();
    TandemFiles.readTable(spec, dataDir, table, new TandemFiles.TableRows() {
      @Override
      public void row(Object[] values, long sequence) {
        if (table.rejection(values) != null) {
          rejected[0]++;
        } else {
          // A table without a time column (a dimension) comes before every timed row.
          Object time = timeIndex < 0 ? null : values[timeIndex];
          long millis = time == null ? Long.MIN_VALUE : time instanceof Instant i ? i.toEpochMilli() : ((Number) time).longValue();
          rows.add(new Replayed(t, values, sequence, millis, isRequest));
        }
      }

      @Override
      public void rejected(String reason) {
        rejected[0]++;
      }
    });
    return rows;
  }

  /** The feature that outputs the request key: how online rows find their offline row. */
  private int requestKeyFeature() {
    String key = spec.plan().requestTable().key();
    for (int f = 0; f < spec.features().size(); f++) {
      if (spec.features().get(f).expr().trim().equals(key)) {
        return f;
      }
    }
    throw new IllegalArgumentException("check-consistency matches rows by the request key: the spec needs a feature"
        + " that outputs it, e.g. {name: " + key + "_1, expr: " + key + "}");
  }

  private String keyText(Object key) {
    TableDef request = spec.plan().requestTable();
    return Values.keyText(request.typeOf(request.key()), key, spec.timezone());
  }

  /** Prints the report as the CLI shows it. */
  void print(Report r, PrintWriter out) {
    int columns = spec.features().size();
    out.printf("check-consistency: %d requests x %d columns: %d rows match, %d differ, %d missing online, %d missing offline;"
        + " %d differing cells of %d; %d rows rejected as offline%n", r.requests(), columns, r.matching(), r.differing(),
        r.missingOnline(), r.missingOffline(), r.differingCells(), r.requests() * columns, r.rejectedRows());
    r.cellsPerFeature().forEach((feature, n) -> {
      out.printf("  %s: %d differing cells%n", feature, n);
      r.examples().get(feature).forEach(e -> out.printf("    %s%n", e));
    });
  }
}
