package dev.tandem.pipelines;

import static java.nio.charset.StandardCharsets.US_ASCII;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.beam.TandemFeatures;
import dev.tandem.beam.TandemFiles;
import dev.tandem.beam.TandemParquet;
import dev.tandem.beam.TandemState;
import dev.tandem.online.EventLog;
import dev.tandem.online.LogReplay;
import dev.tandem.online.RedisKeys;
import dev.tandem.online.RedisState;
import dev.tandem.spec.FeatureSpec;
import dev.tandem.spec.def.TableDef;
import dev.tandem.spec.eval.StatePlan;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.DistributionResult;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollectionRowTuple;
import redis.clients.jedis.exceptions.JedisException;


/**
 * Runs {@code tandem materialize}: computes the spec's state from Parquet tables
 * ({@link TandemState}) into a new generation of the spec's Redis namespace, carries over the
 * events accepted online after the files' cut, then makes it the current one and deletes the
 * older ones.
 *
 * <p><b>The cut rule.</b> The files own every row at or before the cut (the {@code --as-of} time,
 * by default the newest row time in the files); the {@link EventLog} owns the events accepted
 * online (HTTP and stream) after it. A dump must therefore be complete up to its cut.
 *
 * <ol>
 *   <li>INCR {@code generations} gives the new generation; its meta key says "writing" (a run
 *       killed midway leaves a generation the next run finds and deletes);
 *   <li>the pipeline writes every (store, key) blob and the popular-item counts of the files,
 *       then the per-table ingestion sequence counters (the largest offline sequence: online
 *       ingestion continues after it) and the meta;
 *   <li>the logged events after the cut are ingested into the generation, in log order;
 *   <li>{@code current} is switched to the generation (one atomic write, never backwards: a
 *       generation that finished first but started later stays current, and this one is dropped);
 *   <li>the events logged since step 3 are ingested too: a writer logs an event before it reads
 *       {@code current}, so every event written into the old generation is in the log by now;
 *   <li>after a grace period, so that a reader that read the old pointer just before the switch
 *       can finish, every older generation with a meta key is deleted, its meta key first (a
 *       writer that finds its generation's meta gone removes what it wrote there and writes
 *       again into the new one: no orphan keys), and the log is trimmed of the events that
 *       arrived before the cut less the maximum skew (their times are at or before the cut).
 * </ol>
 *
 * Readers that read {@code current} and then that generation's keys therefore see one complete
 * generation, never a mix; every event acknowledged online before, during or after the switch is
 * in the new generation.
 */
final class MaterializeJob {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Generations probed per round trip when looking for older ones. */
  private static final int PROBE_BATCH = 1000;

  private final FeatureSpec spec;
  private final String data;
  private final String redisUri;
  private final Instant asOf;
  private final int graceSeconds;
  private final String runner;
  private final List<String> beamOptions;
  private final PrintWriter stdout;
  private final PrintWriter stderr;

  MaterializeJob(FeatureSpec spec, String data, String redisUri, Instant asOf, int graceSeconds, String runner,
      List<String> beamOptions, PrintWriter stdout, PrintWriter stderr) {
    this.spec = spec;
    this.data = data;
    this.redisUri = redisUri;
    this.asOf = asOf;
    this.graceSeconds = graceSeconds;
    this.runner = runner;
    this.beamOptions = beamOptions;
    this.stdout = stdout;
    this.stderr = stderr;
  }

  int run() throws IOException, InterruptedException {
    boolean localData = !data.contains("://");
    if (localData) {
      List<String> problems = TandemFiles.check(spec, Path.of(data));
      if (!problems.isEmpty()) {
        problems.forEach(p -> stderr.println("data error: " + p));
        return TandemCli.BAD_INPUT;
      }
    }
    PipelineOptions options = Runners.options(runner, beamOptions, stderr);
    if (options == null) {
      return TandemCli.BAD_INPUT;
    }
    try (RedisState redis = connect(redisUri, stderr)) {
      if (redis == null) {
        return TandemCli.BAD_INPUT;
      }
      RedisKeys keys = keys(spec);
      long generation = redis.incrBy(keys.generationsKey(), 1);
      Instant created = Instant.now();
      long start = System.nanoTime();
      Map<String, Long> counters;
      Instant cut;
      try {
        redis.set(keys.metaKey(generation), meta(generation, created, null, "writing", Map.of(), Map.of()));
        Pipeline p = Pipeline.create(options);
        PCollectionRowTuple tables = p.apply("Read tables",
            TandemParquet.read(spec, localData ? Path.of(data).toAbsolutePath().toString() : data));
        tables.apply("State " + spec.name(), asOf == null ? TandemState.of(spec) : TandemState.of(spec).asOf(asOf))
            .apply("Write to Redis", ParDo.of(new StateWriter(redisUri, spec.name(), version(spec), generation)));
        if (spec.serving() != null) {
          tables.get(spec.plan().requestTable().name())
              .apply("Popular items", new PopularItemsCount(spec, redisUri, generation, asOf));
        }
        PipelineResult result = p.run();
        counters = JobProgress.follow(result, TandemFeatures.METRICS, stdout, start, 10);
        Map<String, Long> sequences = largest(result, TandemState::sequenceMetric);
        cut = asOf != null ? asOf : largest(result, TandemState::timeMetric).values().stream().max(Long::compare)
            .map(Instant::ofEpochMilli).orElse(Instant.EPOCH);
        Map<byte[], byte[]> counterKeys = new IdentityHashMap<>();
        sequences.forEach((table, last) -> counterKeys.put(keys.sequenceKey(generation, table), ascii(last)));
        redis.setAll(counterKeys);
        redis.set(keys.metaKey(generation), meta(generation, created, cut, "complete", counters, sequences));
        LogReplay replay = new LogReplay(spec, redis, keys, generation, cut);
        replay.catchUp();
        long beforeSwitch = replay.applied();
        if (!switchTo(redis, keys, generation)) {
          redis.deleteByPrefix(keys.generationPrefix(generation));
          stderr.println("materialize: a newer generation became current while generation " + generation
              + " was written; generation " + generation + " was discarded");
          return TandemCli.FAILED;
        }
        replay.catchUp();
        stdout.printf(Locale.ROOT, "carried over %,d logged events after the cut %s (%,d of them logged during the switch); "
            + "%,d logged events at or before the cut are the files'%n", replay.applied(), cut,
            replay.applied() - beforeSwitch, replay.ownedByFiles());
      } catch (RuntimeException e) {
        discard(redis, keys, generation, e);
        return OfflineJob.dataError(e, stderr);
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      stdout.printf(Locale.ROOT, "materialize: generation %d of %s v%d is current in %s: %,d keys, %,d bytes (%.1f s, %s runner)%n",
          generation, spec.name(), spec.version(), redisUri, sum(counters, "state keys: "), sum(counters, "state bytes: "),
          seconds, runner);
      deleteOlder(redis, keys, generation);
      long trimmed = new EventLog(spec, redis, keys).trim(cut.minus(TableDef.DEFAULT_MAX_SKEW));
      stdout.printf(Locale.ROOT, "trimmed %,d log entries that arrived before %s%n", trimmed, cut.minus(TableDef.DEFAULT_MAX_SKEW));
      summary(counters, redis.usedMemory());
      return TandemCli.OK;
    }
  }

  static RedisKeys keys(FeatureSpec spec) {
    return new RedisKeys(spec.name(), version(spec));
  }

  private static String version(FeatureSpec spec) {
    return Integer.toString(spec.version());
  }

  /** A client for {@code uri} that answered PING, or null with a message naming the URI. */
  static RedisState connect(String uri, PrintWriter stderr) {
    RedisState redis = null;
    try {
      redis = RedisState.connect(uri);
      redis.ping();
      return redis;
    } catch (IllegalArgumentException e) {
      stderr.println("bad --redis: " + e.getMessage());
    } catch (JedisException e) {
      stderr.println("cannot reach Redis at " + RedisState.redacted(uri) + ": " + e.getMessage());
    }
    if (redis != null) {
      redis.close();
    }
    return null;
  }

  /** Points {@code current} at {@code generation} unless a newer generation is current already. */
  private static boolean switchTo(RedisState redis, RedisKeys keys, long generation) {
    while (true) {
      byte[] current = redis.get(keys.currentKey());
      if (current != null && Long.parseLong(new String(current, US_ASCII)) > generation) {
        return false;
      }
      if (redis.compareAndSetAll(List.of(new RedisState.Cas(keys.currentKey(), current, ascii(generation)))).get(0)) {
        return true;
      }
    }
  }

  /** After the grace period, deletes every older generation that has a meta key (a materialization's). */
  private void deleteOlder(RedisState redis, RedisKeys keys, long generation) throws InterruptedException {
    if (graceSeconds > 0) {
      stdout.printf("waiting %d s before deleting older generations (readers of the old pointer finish)%n", graceSeconds);
      Thread.sleep(graceSeconds * 1000L);
    }
    List<Long> older = new ArrayList<>();
    for (long from = 1; from < generation; from += PROBE_BATCH) {
      List<byte[]> metaKeys = new ArrayList<>();
      for (long g = from; g < Math.min(generation, from + PROBE_BATCH); g++) {
        metaKeys.add(keys.metaKey(g));
      }
      List<byte[]> metas = redis.getAll(metaKeys);
      for (int i = 0; i < metas.size(); i++) {
        if (metas.get(i) != null) {
          older.add(from + i);
        }
      }
    }
    long deleted = 0;
    for (long g : older) {
      // The meta key first: a writer that finds it gone knows its generation is being deleted.
      deleted += redis.delete(keys.metaKey(g)) ? 1 : 0;
      deleted += redis.deleteByPrefix(keys.generationPrefix(g));
    }
    stdout.printf(Locale.ROOT, "deleted %d older generation(s) %s: %,d keys%n", older.size(), older, deleted);
  }

  /** Deletes what a failed run wrote; a failure while doing so is attached to the run's. */
  private static void discard(RedisState redis, RedisKeys keys, long generation, RuntimeException failure) {
    try {
      redis.deleteByPrefix(keys.generationPrefix(generation));
    } catch (RuntimeException e) {
      failure.addSuppressed(e);
    }
  }

  /** Per table, the largest value of its distribution {@code metric} (e.g. {@link TandemState#sequenceMetric}). */
  private Map<String, Long> largest(PipelineResult result, java.util.function.Function<String, String> metric) {
    Map<String, Long> largest = new LinkedHashMap<>();
    Iterable<MetricResult<DistributionResult>> distributions = result.metrics().queryMetrics(MetricsFilter.builder()
        .addNameFilter(MetricNameFilter.inNamespace(TandemFeatures.METRICS)).build()).getDistributions();
    for (TableDef t : spec.tables()) {
      for (MetricResult<DistributionResult> d : distributions) {
        DistributionResult value = committedOrAttempted(d);
        if (d.getName().getName().equals(metric.apply(t.name())) && value.getCount() > 0) {
          largest.merge(t.name(), value.getMax(), Math::max);
        }
      }
    }
    return largest;
  }

  private static DistributionResult committedOrAttempted(MetricResult<DistributionResult> d) {
    try {
      return d.getCommitted();
    } catch (UnsupportedOperationException e) {
      return d.getAttempted();
    }
  }

  private byte[] meta(long generation, Instant created, Instant cut, String status, Map<String, Long> counters,
      Map<String, Long> sequences)
      throws IOException {
    Map<String, Object> meta = new LinkedHashMap<>();
    meta.put("spec", spec.name());
    meta.put("version", spec.version());
    meta.put("sha256", spec.sha256());
    meta.put("generation", generation);
    meta.put("status", status);
    meta.put("as_of", asOf == null ? null : asOf.toString());
    meta.put("cut", cut == null ? null : cut.toString());
    meta.put("created_at", created.toString());
    List<Map<String, Object>> stores = new ArrayList<>();
    for (StatePlan.Store s : spec.plan().state().stores()) {
      Map<String, Object> store = new LinkedHashMap<>();
      store.put("table", s.table().name());
      store.put("column", s.column());
      store.put("keys", counters.getOrDefault("state keys: " + s, 0L));
      store.put("bytes", counters.getOrDefault("state bytes: " + s, 0L));
      stores.add(store);
    }
    meta.put("stores", stores);
    meta.put("sequences", sequences);
    return JSON.writeValueAsBytes(meta);
  }

  /** Per store keys and bytes written, rows with a NULL key and rows dropped by retention; per table rows read. */
  private void summary(Map<String, Long> counters, long usedMemory) {
    stdout.println("summary:");
    for (StatePlan.Store s : spec.plan().state().stores()) {
      stdout.printf(Locale.ROOT, "  %-36s keys %,d  bytes %,d  NULL key %,d  dropped by retention %,d%n", s.toString(),
          counters.getOrDefault("state keys: " + s, 0L), counters.getOrDefault("state bytes: " + s, 0L),
          counters.getOrDefault("rows with NULL key: " + s, 0L), counters.getOrDefault("rows dropped by retention: " + s, 0L));
    }
    for (TableDef t : spec.tables()) {
      if (counters.containsKey("rows read: " + t.name())) {
        stdout.printf(Locale.ROOT, "  %-36s read %,d  rejected %,d  after as-of %,d%n", t.name(),
            counters.getOrDefault("rows read: " + t.name(), 0L), counters.getOrDefault("rows rejected: " + t.name(), 0L),
            counters.getOrDefault("rows after as-of: " + t.name(), 0L));
      }
    }
    stdout.printf(Locale.ROOT, "  rows rejected %,d, rows after as-of %,d, rows dropped by retention %,d; Redis used_memory %,d bytes%n",
        sum(counters, "rows rejected: "), sum(counters, "rows after as-of: "), sum(counters, "rows dropped by retention: "),
        usedMemory);
  }

  private static long sum(Map<String, Long> counters, String prefix) {
    return counters.entrySet().stream().filter(e -> e.getKey().startsWith(prefix)).mapToLong(Map.Entry::getValue).sum();
  }

  private static byte[] ascii(long n) {
    return Long.toString(n).getBytes(US_ASCII);
  }
}
