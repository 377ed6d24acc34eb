package dev.tandem.pipelines;

import dev.tandem.online.PopularItems;
import dev.tandem.online.RedisKeys;
import dev.tandem.online.RedisState;
import dev.tandem.spec.FeatureSpec;
import dev.tandem.spec.SpecException;
import dev.tandem.spec.def.TableDef;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Sum;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PDone;
import org.apache.beam.sdk.values.Row;

/**
 * Materializes {@link PopularItems}: the request rows per (day, item) up to the as-of time,
 * written as the day's sorted set of one generation. The same day and item text that online
 * ingestion counts ({@link PopularItems#counts}). Totals are written as absolute scores, so a
 * bundle the runner retries writes the same numbers again instead of counting twice.
 */
final class PopularItemsCount extends PTransform<PCollection<Row>, PDone> {
  private final String specText;
  private final String specFile;
  private final String redisUri;
  private final long generation;
  private final Long asOfMillis;

  PopularItemsCount(FeatureSpec spec, String redisUri, long generation, Instant asOf) {
    this.specText = spec.text();
    this.specFile = spec.file();
    this.redisUri = redisUri;
    this.generation = generation;
    this.asOfMillis = asOf == null ? null : asOf.toEpochMilli();
  }

  @Override
  public PDone expand(PCollection<Row> requests) {
    requests.apply("Day and item", ParDo.of(new DayAndItem(this)))
        .apply("Count", Sum.longsPerKey())
        .apply("Write to Redis", ParDo.of(new Write(this)));
    return PDone.in(requests.getPipeline());
  }

  private FeatureSpec spec() {
    try {
      return FeatureSpec.parse(specText, specFile);
    } catch (SpecException e) {
      throw new IllegalStateException("the spec stopped compiling on a worker", e);
    }
  }

  /** A request row to (the popular-items key of its day, item text) → 1, through the same code ingestion counts with. */
  private static final class DayAndItem extends DoFn<Row, KV<KV<Long, String>, Long>> {
    private final PopularItemsCount config;
    private transient FeatureSpec spec;
    private transient TableDef request;

    DayAndItem(PopularItemsCount config) {
      this.config = config;
    }

    @Setup
    public void setup() {
      spec = config.spec();
      request = spec.plan().requestTable();
    }

    @ProcessElement
    public void process(@Element Row row, OutputReceiver<KV<KV<Long, String>, Long>> out) {
      Object[] values = new Object[request.columns().size()];
      for (int i = 0; i < values.length; i++) {
        Object v = row.getValue(request.columns().get(i).name());
        values[i] = v instanceof org.joda.time.ReadableInstant t ? Instant.ofEpochMilli(t.getMillis()) : v;
      }
      Object time = values[request.indexOf(request.time())];
      long millis = time instanceof Instant i ? i.toEpochMilli() : time == null ? Long.MIN_VALUE : ((Number) time).longValue();
      if (time != null && (config.asOfMillis == null || millis <= config.asOfMillis)) {
        for (PopularItems.Count c : PopularItems.counts(spec, List.<Object[]>of(values))) {
          out.output(KV.of(KV.of(c.day(), c.item()), 1L));
        }
      }
    }
  }

  /** Writes the counts in pipelined batches, one connection per bundle. */
  private static final class Write extends DoFn<KV<KV<Long, String>, Long>, Void> {
    private final PopularItemsCount config;
    private transient RedisKeys keys;
    private transient RedisState redis;
    private transient List<RedisState.Score> batch;

    Write(PopularItemsCount config) {
      this.config = config;
    }

    @StartBundle
    public void start() {
      FeatureSpec spec = config.spec();
      keys = MaterializeJob.keys(spec);
      redis = RedisState.connect(config.redisUri);
      batch = new ArrayList<>();
    }

    @ProcessElement
    public void process(@Element KV<KV<Long, String>, Long> count) {
      batch.add(new RedisState.Score(keys.popularKey(config.generation, count.getKey().getKey()),
          count.getKey().getValue(), count.getValue()));
      if (batch.size() >= StateWriter.BATCH) {
        flush();
      }
    }

    @FinishBundle
    public void finish() {
      try {
        flush();
      } finally {
        redis.close();
      }
    }

    private void flush() {
      if (!batch.isEmpty()) {
        redis.setScores(batch);
        batch = new ArrayList<>();
      }
    }
  }
}
