package dev.tandem.pipelines;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricQueryResults;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;

/**
 * Follows a running pipeline: every few seconds prints the Tandem counters (rows read per table,
 * rows out, rejected, unreachable) with the elapsed time; at the end prints the summary.
 */
final class JobProgress {
  private JobProgress() {}

  /** Waits for the pipeline, printing progress every {@code everySeconds}; returns the final counters. */
  static Map<String, Long> follow(PipelineResult result, String namespace, PrintWriter out, long startNanos,
      int everySeconds) {
    ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "tandem-progress");
      t.setDaemon(true);
      return t;
    });
    ticker.scheduleAtFixedRate(() -> {
      Map<String, Long> counters = counters(result, namespace);
      if (!counters.isEmpty()) {
        out.printf(Locale.ROOT, "progress %6.1f s: %s%n", (System.nanoTime() - startNanos) / 1e9, line(counters));
      }
    }, everySeconds, everySeconds, TimeUnit.SECONDS);
    try {
      result.waitUntilFinish();
    } finally {
      ticker.shutdownNow();
    }
    return counters(result, namespace);
  }

  /** The counters of a namespace by name: committed values where the runner has them, else attempted. */
  static Map<String, Long> counters(PipelineResult result, String namespace) {
    Map<String, Long> counters = new TreeMap<>();
    try {
      MetricQueryResults metrics = result.metrics().queryMetrics(
          MetricsFilter.builder().addNameFilter(MetricNameFilter.inNamespace(namespace)).build());
      for (MetricResult<Long> c : metrics.getCounters()) {
        Long value;
        try {
          value = c.getCommitted();
        } catch (UnsupportedOperationException e) {
          value = c.getAttempted();
        }
        counters.merge(c.getName().getName(), value == null ? 0 : value, Long::sum);
      }
    } catch (RuntimeException e) {
      // Some runners answer metric queries only once the job has finished.
    }
    return counters;
  }

  static String line(Map<String, Long> counters) {
    StringBuilder sb = new StringBuilder();
    counters.forEach((name, value) -> sb.append(sb.length() == 0 ? "" : ", ").append(name).append(" = ").append(value));
    return sb.toString();
  }
}
