package dev.tandem.online.server;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The server's meters, exposed as Prometheus text on {@code GET /metrics}:
 *
 * <ul>
 *   <li>Vert.x's own HTTP server metrics (vertx-micrometer-metrics), per {@code route} (the
 *       OpenAPI path template), {@code method} and {@code code}: {@code vertx_http_server_requests_total},
 *       {@code vertx_http_server_response_time_seconds} (histogram), request and response bytes,
 *       active requests and connections;
 *   <li>{@code tandem_redis_fetch_seconds} (histogram): one state fetch (one round trip), and
 *       {@code tandem_redis_fetch_keys} / {@code tandem_redis_fetch_bytes} (summaries) per fetch;
 *   <li>{@code tandem_features_seconds} (histogram): evaluating the features of one call's rows;
 *   <li>{@code tandem_model_score_seconds} (histogram): one model call, and
 *       {@code tandem_model_batch_rows} (summary): rows per model call;
 *   <li>{@code tandem_events_rows_total} per {@code table} and {@code status}: ingested rows;
 *   <li>{@code tandem_calls_shed_total}: calls refused at once (503 with Retry-After);
 *   <li>{@code tandem_deadline_exceeded_total} per {@code stage}: stages skipped past their call's deadline;
 *   <li>JVM memory and CPU.
 * </ul>
 */
final class ServerMetrics {
  private static final Set<String> HTTP_METHODS = Set.of("GET", "HEAD", "POST", "PUT", "DELETE",
      "OPTIONS", "PATCH");
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Timer redisFetch;
  private final DistributionSummary fetchKeys;
  private final DistributionSummary fetchBytes;
  private final Timer features;
  private final Timer model;
  private final DistributionSummary batchRows;
  private final Counter shed;

  public ServerMetrics() {
    // Filters are set before any meter exists: one added later would not reach the meters registered before it.
    // A client chooses the method token: any one it makes up becomes OTHER, or each would add series.
    registry.config().meterFilter(MeterFilter.replaceTagValues("method", m -> HTTP_METHODS.contains(m) ? m : "OTHER"));
    // Histogram buckets for Vert.x's HTTP latency.
    registry.config().meterFilter(new MeterFilter() {
      @Override
      public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
        return id.getName().startsWith("vertx.") && id.getType() == Meter.Type.TIMER
            ? DistributionStatisticConfig.builder().percentilesHistogram(true).build().merge(config) : config;
      }
    });
    redisFetch = latency("tandem.redis.fetch", "one fetch of a call's state from Redis (one round trip)");
    fetchKeys = DistributionSummary.builder("tandem.redis.fetch.keys").description("state keys read per fetch")
        .publishPercentileHistogram().register(registry);
    fetchBytes = DistributionSummary.builder("tandem.redis.fetch.bytes").description("state bytes read per fetch")
        .baseUnit("bytes").register(registry);
    features = latency("tandem.features", "evaluating the features of one call's request rows");
    model = latency("tandem.model.score", "one model call (a batch of rows)");
    batchRows = DistributionSummary.builder("tandem.model.batch.rows").description("rows per model call")
        .publishPercentileHistogram().minimumExpectedValue(1.0).maximumExpectedValue(100_000.0).register(registry);
    shed = Counter.builder("tandem.calls.shed").description("calls refused at once (503, Retry-After): the workers were full"
        + " (max-in-flight) or would not have finished them within their deadline").register(registry);
    new JvmMemoryMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
  }

  private Timer latency(String name, String description) {
    return Timer.builder(name).description(description).publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofNanos(50_000)).maximumExpectedValue(Duration.ofSeconds(30)).register(registry);
  }

  /**
   * Options for a Vert.x that reports its HTTP server metrics into this registry: labelled by
   * route template (not the raw path: {@code /events/{table}} stays one series), method and code,
   * with histogram buckets; only the HTTP server's meters.
   */
  VertxBuilder vertx(VertxOptions options) {
    // vertx-micrometer keeps its backends in a JVM-wide map by name: a name of its own per server.
    MicrometerMetricsOptions metricsOptions = new MicrometerMetricsOptions().setEnabled(true)
        .setRegistryName("tandem-" + UUID.randomUUID())
        .setLabels(EnumSet.of(Label.HTTP_ROUTE, Label.HTTP_METHOD, Label.HTTP_CODE))
        .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true));
    EnumSet.complementOf(EnumSet.of(MetricsDomain.HTTP_SERVER)).forEach(metricsOptions::addDisabledMetricsCategory);
    return Vertx.builder().with(options.setMetricsOptions(metricsOptions)).withMetrics(new MicrometerMetricsFactory(registry));
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

  /** A call refused at once (503 with Retry-After): the workers were full, or would not have finished it in time. */
  public void shed() {
    shed.increment();
  }

  /** The Prometheus text exposition (format 0.0.4). */
  public String scrape() {
    return registry.scrape();
  }
}
