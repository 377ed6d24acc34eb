package dev.tandem.online.server;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The server's meters, exposed as Prometheus text on {@code GET /metrics}:
 *
 * <ul>
 *   <li>{@code tandem_http_requests_seconds} (histogram) per {@code endpoint}, {@code method} and
 *       {@code status}: request counts ({@code _count}) and latency;
 *   <li>{@code tandem_redis_fetch_seconds} (histogram): one state fetch (one round trip), and
 *       {@code tandem_redis_fetch_keys} / {@code tandem_redis_fetch_bytes} (summaries) per fetch;
 *   <li>{@code tandem_features_seconds} (histogram): evaluating the features of one call's rows;
 *   <li>{@code tandem_model_score_seconds} (histogram): one model call, and
 *       {@code tandem_model_batch_rows} (summary): rows per model call;
 *   <li>{@code tandem_events_rows_total} per {@code table} and {@code status}: ingested rows;
 *   <li>JVM memory and CPU.
 * </ul>
 */
final class ServerMetrics {
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Timer redisFetch;
  private final DistributionSummary fetchKeys;
  private final DistributionSummary fetchBytes;
  private final Timer features;
  private final Timer model;
  private final DistributionSummary batchRows;

  public ServerMetrics() {
    redisFetch = latency("tandem.redis.fetch", "one fetch of a call's state from Redis (one round trip)");
    fetchKeys = DistributionSummary.builder("tandem.redis.fetch.keys").description("state keys read per fetch")
        .publishPercentileHistogram().register(registry);
    fetchBytes = DistributionSummary.builder("tandem.redis.fetch.bytes").description("state bytes read per fetch")
        .baseUnit("bytes").register(registry);
    features = latency("tandem.features", "evaluating the features of one call's request rows");
    model = latency("tandem.model.score", "one model call (a batch of rows)");
    batchRows = DistributionSummary.builder("tandem.model.batch.rows").description("rows per model call")
        .publishPercentileHistogram().minimumExpectedValue(1.0).maximumExpectedValue(100_000.0).register(registry);
    new JvmMemoryMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
  }

  private Timer latency(String name, String description) {
    return Timer.builder(name).description(description).publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofNanos(50_000)).maximumExpectedValue(Duration.ofSeconds(30)).register(registry);
  }

  /** One HTTP request, by its endpoint (the route's path template), method and status. */
  public void request(String endpoint, String method, int status, long nanos) {
    Timer.builder("tandem.http.requests").description("HTTP requests by endpoint: counts and latency")
        .tags("endpoint", endpoint, "method", method, "status", Integer.toString(status))
        .publishPercentileHistogram().minimumExpectedValue(Duration.ofNanos(50_000))
        .maximumExpectedValue(Duration.ofSeconds(30))
        .register(registry).record(nanos, TimeUnit.NANOSECONDS);
  }

  public void fetch(long nanos, int keys, long bytes) {
    redisFetch.record(nanos, TimeUnit.NANOSECONDS);
    fetchKeys.record(keys);
    fetchBytes.record(bytes);
  }

  public void features(long nanos) {
    features.record(nanos, TimeUnit.NANOSECONDS);
  }

  public void score(long nanos, int rows) {
    model.record(nanos, TimeUnit.NANOSECONDS);
    batchRows.record(rows);
  }

  public void events(String table, String status, int rows) {
    if (rows > 0) {
      Counter.builder("tandem.events.rows").description("rows ingested through POST /events, by table and outcome")
          .tags("table", table, "status", status).register(registry).increment(rows);
    }
  }

  /** A call's stage skipped because the call was past its deadline (already answered 503). */
  public void deadlineExceeded(String stage) {
    Counter.builder("tandem.deadline.exceeded").description("stages skipped because their call was past its deadline")
        .tags("stage", stage).register(registry).increment();
  }

  /** The Prometheus text exposition (format 0.0.4). */
  public String scrape() {
    return registry.scrape();
  }
}
