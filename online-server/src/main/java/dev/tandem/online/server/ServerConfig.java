package dev.tandem.online.server;

import dev.tandem.online.RedisState;

import dev.tandem.spec.def.TableDef;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * The scoring server's settings. Each has a default, and is read, later sources winning, from a
 * configuration file ({@code .properties}, or {@code .json} with the same keys), then from
 * environment variables ({@code TANDEM_} + the key in upper case with {@code _} for {@code -}:
 * {@code max-body-bytes} is {@code TANDEM_MAX_BODY_BYTES}), then from command-line options.
 *
 * <table>
 *   <caption>settings</caption>
 *   <tr><th>key</th><th>default</th><th>what</th></tr>
 *   <tr><td>spec, model, redis</td><td>none</td><td>the feature spec, the model folder, {@code redis://HOST:PORT}</td></tr>
 *   <tr><td>redis-ca-file</td><td>none</td><td>for {@code rediss://}: a PEM file of the CA that signed Redis's certificate; none: the JVM's trust store</td></tr>
 *   <tr><td>api-token</td><td>none</td><td>the bearer token that {@code POST /events} and request-time overlays ({@code values}, {@code events}) need; none: they are refused (403)</td></tr>
 *   <tr><td>overlay-columns</td><td>*</td><td>the columns a request-time overlay may set, with the token: {@code *} (all), or a comma-separated list of {@code table.column} and {@code table.*}; empty: none. Other columns are refused (403)</td></tr>
 *   <tr><td>bind</td><td>127.0.0.1</td><td>the address to listen on</td></tr>
 *   <tr><td>port</td><td>8080</td><td>the port (0: any free one)</td></tr>
 *   <tr><td>workers</td><td>2 x cores, at least 4</td><td>threads for Redis and TensorFlow calls</td></tr>
 *   <tr><td>max-in-flight</td><td>4 x workers</td><td>calls queued or running on the workers; past it, 503 with Retry-After at once (queued calls beyond this would pass a 100 ms deadline anyway)</td></tr>
 *   <tr><td>event-loops</td><td>cores</td><td>event-loop threads (one HTTP verticle each): parsing, validation, answers</td></tr>
 *   <tr><td>model-threads</td><td>1</td><td>TensorFlow threads per model call (0: every core); workers call it at once</td></tr>
 *   <tr><td>max-body-bytes</td><td>1048576</td><td>larger request bodies are answered 413</td></tr>
 *   <tr><td>max-candidates</td><td>1000</td><td>candidates per /recommend call</td></tr>
 *   <tr><td>max-n</td><td>1000</td><td>items per /recommend answer</td></tr>
 *   <tr><td>max-event-rows</td><td>1000</td><td>rows per /events call: a bound that keeps a call from holding the cores and Redis long enough to push readers past their deadline (measured: readers beside 10,000-row calls missed theirs)</td></tr>
 *   <tr><td>timeout-ms</td><td>100</td><td>the deadline of a read (/recommend, /predict, /features) from its arrival: answered 503 when it passes; a stage (waiting for a worker, fetching state, features, scoring) not started by then is skipped. Each Redis wait (a pooled connection, connect, reply) is bounded by 2 s on its own</td></tr>
 *   <tr><td>write-timeout-ms</td><td>10000</td><td>the same for writes (/events, /admin/reload); a write once started completes (a retry of it is safe)</td></tr>
 *   <tr><td>idle-timeout-ms</td><td>60000</td><td>a connection with no traffic for this long is closed (a slow or idle client cannot hold a socket); more than both timeouts</td></tr>
 *   <tr><td>shutdown-grace-ms</td><td>10000</td><td>on SIGTERM, how long requests in flight may take to finish (readiness is false meanwhile)</td></tr>
 *   <tr><td>max-future-skew-ms</td><td>300000</td><td>times later than now + this are refused (400): a future-dated row would evict window rows</td></tr>
 *   <tr><td>warmup-batches</td><td>3</td><td>model calls per batch size (1, 10, 100, max-candidates) before the port opens</td></tr>
 * </table>
 */
public record ServerConfig(String spec, String model, String redis, String redisCaFile, String apiToken, String overlayColumns,
    String bind, int port,
    int workers, int maxInFlight, int eventLoops, int modelThreads, long maxBodyBytes, int maxCandidates, int maxN, int maxEventRows,
    long timeoutMs, long writeTimeoutMs, long idleTimeoutMs, long shutdownGraceMs, long maxFutureSkewMs, int warmupBatches) {

  /** Every key, in the order of the table above. */
  public static final List<String> KEYS = List.of("spec", "model", "redis", "redis-ca-file", "api-token", "overlay-columns", "bind", "port", "workers",
      "max-in-flight", "event-loops", "model-threads", "max-body-bytes", "max-candidates", "max-n", "max-event-rows",
      "timeout-ms", "write-timeout-ms", "idle-timeout-ms", "shutdown-grace-ms", "max-future-skew-ms", "warmup-batches");

  /** A setting that cannot be used; the message names the key and where it came from. */
  public static final class ConfigException extends Exception {
    public ConfigException(String message) {
      super(message);
    }
  }

  public ServerConfig {
    require(apiToken == null || apiToken.length() >= 16, "api-token must be at least 16 characters");
    require(port >= 0 && port <= 65535, "port must be in 0..65535: " + port);
    require(workers >= 1, "workers must be at least 1: " + workers);
    require(maxInFlight >= 1, "max-in-flight must be at least 1: " + maxInFlight);
    require(eventLoops >= 1, "event-loops must be at least 1: " + eventLoops);
    require(modelThreads >= 0, "model-threads must be >= 0: " + modelThreads);
    require(maxBodyBytes >= 1024, "max-body-bytes must be at least 1024: " + maxBodyBytes);
    require(maxCandidates >= 1, "max-candidates must be at least 1: " + maxCandidates);
    require(maxN >= 1, "max-n must be at least 1: " + maxN);
    require(maxEventRows >= 1, "max-event-rows must be at least 1: " + maxEventRows);
    require(timeoutMs >= 1, "timeout-ms must be at least 1: " + timeoutMs);
    require(writeTimeoutMs >= 1, "write-timeout-ms must be at least 1: " + writeTimeoutMs);
    // A connection waiting for its answer has no traffic either: it must not be closed before the answer is due.
    require(idleTimeoutMs > Math.max(timeoutMs, writeTimeoutMs), "idle-timeout-ms (" + idleTimeoutMs
        + ") must be more than timeout-ms (" + timeoutMs + ") and write-timeout-ms (" + writeTimeoutMs + ")");
    require(shutdownGraceMs >= 0, "shutdown-grace-ms must be >= 0: " + shutdownGraceMs);
    require(maxFutureSkewMs >= 0, "max-future-skew-ms must be >= 0: " + maxFutureSkewMs);
    require(warmupBatches >= 0, "warmup-batches must be >= 0: " + warmupBatches);
  }

  /** The settings, with the API token masked: a configuration printed or logged never shows it. */
  @Override
  public String toString() {
    return "ServerConfig[spec=" + spec + ", model=" + model + ", redis=" + RedisState.redacted(redis) + ", redisCaFile=" + redisCaFile + ", overlayColumns=" + overlayColumns + ", apiToken="
        + (apiToken == null ? "none" : "(set)") + ", bind=" + bind + ", port=" + port + ", workers=" + workers
        + ", maxInFlight=" + maxInFlight + ", eventLoops=" + eventLoops + ", modelThreads=" + modelThreads + ", maxBodyBytes=" + maxBodyBytes
        + ", maxCandidates=" + maxCandidates + ", maxN=" + maxN + ", maxEventRows=" + maxEventRows + ", timeoutMs="
        + timeoutMs + ", writeTimeoutMs=" + writeTimeoutMs + ", idleTimeoutMs=" + idleTimeoutMs + ", shutdownGraceMs=" + shutdownGraceMs + ", maxFutureSkewMs="
        + maxFutureSkewMs + ", warmupBatches=" + warmupBatches + "]";
  }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }

  /** The defaults (no spec, model or Redis). */
  public static Map<String, String> defaults() {
    Map<String, String> d = new LinkedHashMap<>();
    d.put("overlay-columns", "*");
    d.put("bind", "127.0.0.1");
    d.put("port", "8080");
    d.put("workers", Integer.toString(Math.max(4, 2 * Runtime.getRuntime().availableProcessors())));
    d.put("max-in-flight", Integer.toString(4 * Math.max(4, 2 * Runtime.getRuntime().availableProcessors())));
    d.put("event-loops", Integer.toString(Runtime.getRuntime().availableProcessors()));
    d.put("model-threads", "1");
    d.put("max-body-bytes", "1048576");
    d.put("max-candidates", "1000");
    d.put("max-n", "1000");
    d.put("max-event-rows", "1000");
    d.put("timeout-ms", "100");
    d.put("write-timeout-ms", "10000");
    d.put("idle-timeout-ms", "60000");
    d.put("shutdown-grace-ms", "10000");
    d.put("max-future-skew-ms", Long.toString(TableDef.DEFAULT_MAX_SKEW.toMillis()));
    d.put("warmup-batches", "3");
    return d;
  }

  /**
   * Settings from, in increasing precedence: the defaults, {@code file} (may be null), the
   * environment and {@code options} (keys as above; null values are ignored).
   */
  public static ServerConfig load(Path file, Map<String, String> environment, Map<String, String> options)
      throws ConfigException {
    Map<String, String> values = defaults();
    Map<String, String> origin = new LinkedHashMap<>();
    values.keySet().forEach(k -> origin.put(k, "default"));
    if (file != null) {
      readFile(file).forEach((k, v) -> {
        values.put(k, v);
        origin.put(k, file.toString());
      });
    }
    for (String key : KEYS) {
      String env = "TANDEM_" + key.toUpperCase(Locale.ROOT).replace('-', '_');
      String v = environment.get(env);
      if (v != null && !v.isBlank()) {
        values.put(key, v.trim());
        origin.put(key, "environment variable " + env);
      }
    }
    options.forEach((k, v) -> {
      if (v != null) {
        values.put(k, v);
        origin.put(k, "option --" + k);
      }
    });
    try {
      return new ServerConfig(values.get("spec"), values.get("model"), values.get("redis"), values.get("redis-ca-file"),
          values.get("api-token"), values.get("overlay-columns"),
          values.get("bind"),
          (int) number(values, origin, "port"), (int) number(values, origin, "workers"),
          (int) number(values, origin, "max-in-flight"),
          (int) number(values, origin, "event-loops"), (int) number(values, origin, "model-threads"),
          number(values, origin, "max-body-bytes"), (int) number(values, origin, "max-candidates"),
          (int) number(values, origin, "max-n"), (int) number(values, origin, "max-event-rows"),
          number(values, origin, "timeout-ms"), number(values, origin, "write-timeout-ms"),
          number(values, origin, "idle-timeout-ms"),
          number(values, origin, "shutdown-grace-ms"),
          number(values, origin, "max-future-skew-ms"),
          (int) number(values, origin, "warmup-batches"));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(e.getMessage());
    }
  }

  /** A configuration for tests and embedding: the defaults with {@code overrides}. */
  public static ServerConfig of(Map<String, String> overrides) {
    try {
      return load(null, Map.of(), overrides);
    } catch (ConfigException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  private static long number(Map<String, String> values, Map<String, String> origin, String key) throws ConfigException {
    String text = values.get(key);
    try {
      long v = Long.parseLong(text.trim());
      if (!key.endsWith("-ms") && !key.equals("max-body-bytes") && (v > Integer.MAX_VALUE || v < Integer.MIN_VALUE)) {
        throw new NumberFormatException();
      }
      return v;
    } catch (NumberFormatException e) {
      throw new ConfigException(key + " (from " + origin.get(key) + "): '" + text + "' is not a whole number in range");
    }
  }

  private static Map<String, String> readFile(Path file) throws ConfigException {
    Map<String, String> out = new LinkedHashMap<>();
    try {
      if (file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".json")) {
        JsonObject json = new JsonObject(Files.readString(file, StandardCharsets.UTF_8));
        for (String key : json.fieldNames()) {
          Object v = json.getValue(key);
          if (v instanceof JsonObject || v instanceof io.vertx.core.json.JsonArray) {
            throw new ConfigException(file + ": '" + key + "' must be a plain value");
          }
          out.put(key, v == null ? null : v.toString());
        }
      } else {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
          p.load(r);
        }
        p.stringPropertyNames().forEach(k -> out.put(k, p.getProperty(k).trim()));
      }
    } catch (IOException e) {
      throw new ConfigException("cannot read configuration file " + file + ": " + e.getMessage());
    } catch (DecodeException e) {
      throw new ConfigException(file + " is not valid JSON: " + e.getMessage());
    }
    for (String key : out.keySet()) {
      if (!KEYS.contains(key)) {
        throw new ConfigException(file + ": unknown setting '" + key + "'; settings: " + String.join(", ", KEYS));
      }
    }
    out.values().removeIf(v -> v == null);
    return out;
  }
}
