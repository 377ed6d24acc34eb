package dev.tandem.online.server;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tandem serve}: the scoring server.
 *
 * <pre>
 * java -jar online-server/target/tandem-server.jar --spec feature-spec/specs/jd.yaml --model MODEL_DIR \
 *     --redis redis://127.0.0.1:6379 [--port 8080] [--bind 127.0.0.1] [--config FILE]
 * </pre>
 *
 * Settings also come from a configuration file and from {@code TANDEM_*} environment variables
 * (see {@link ServerConfig}); options win. Exit status 2 for a problem with the input (spec,
 * model, Redis address, settings), 1 for an unexpected failure; otherwise it serves until stopped
 * (SIGTERM / Ctrl-C), finishing the answers in flight.
 */
@Command(name = "tandem serve", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Serve /recommend, /predict, /features, /events/{table}, /health, /metrics and /openapi.json"
        + " for a feature spec, its model and its state in Redis.")
public final class ServerMain implements Callable<Integer> {
  @Option(names = "--spec", paramLabel = "SPEC", description = "the feature spec (YAML)")
  String spec;

  @Option(names = "--model", paramLabel = "MODEL_DIR", description = "the model folder (tandem train)")
  String model;

  @Option(names = "--redis", paramLabel = "URL", description = "redis://HOST:PORT (a standalone server or a cluster node)")
  String redis;

  @Option(names = "--port", description = "port (default 8080; 0: any free port)")
  Integer port;

  @Option(names = "--bind", paramLabel = "HOST", description = "address to listen on (default 127.0.0.1)")
  String bind;

  @Option(names = "--config", paramLabel = "FILE", description = "settings file (.properties, or .json)")
  Path config;

  @Option(names = "--workers", description = "threads for Redis and model calls (default 2 x cores, at least 4)")
  Integer workers;

  @Option(names = "--max-in-flight", paramLabel = "N", description = "calls queued or running; past it 503 (default 4 x workers)")
  Integer maxInFlight;

  @Option(names = "--event-loops", paramLabel = "N", description = "event-loop threads (default: cores)")
  Integer eventLoops;

  @Option(names = "--model-threads", paramLabel = "N", description = "TensorFlow threads per model call (default 1; 0: every core)")
  Integer modelThreads;

  @Option(names = "--max-body-bytes", paramLabel = "N", description = "larger bodies get 413 (default 1048576)")
  Long maxBodyBytes;

  @Option(names = "--max-candidates", paramLabel = "N", description = "candidates per /recommend (default 1000)")
  Integer maxCandidates;

  @Option(names = "--max-n", paramLabel = "N", description = "items per /recommend answer (default 1000)")
  Integer maxN;

  @Option(names = "--max-event-rows", paramLabel = "N", description = "rows per /events call (default 10000)")
  Integer maxEventRows;

  @Option(names = "--redis-ca-file", paramLabel = "PEM", description = "for rediss://: the CA that signed Redis's certificate")
  String redisCaFile;

  @Option(names = "--overlay-columns", paramLabel = "LIST", description = "columns request-time overlays may set: *, or "
      + "TABLE.COLUMN and TABLE.* separated by commas; empty: none (default *)")
  String overlayColumns;

  @Option(names = "--timeout-ms", paramLabel = "MS", description = "a read's deadline: answered 503 past it (default 100)")
  Long timeoutMs;

  @Option(names = "--write-timeout-ms", paramLabel = "MS", description = "a write's deadline (default 10000)")
  Long writeTimeoutMs;

  @Option(names = "--idle-timeout-ms", paramLabel = "MS", description = "close connections idle this long (default 60000)")
  Long idleTimeoutMs;

  @Option(names = "--shutdown-grace-ms", paramLabel = "MS", description = "on SIGTERM, time for requests in flight (default 10000)")
  Long shutdownGraceMs;

  @Option(names = "--max-future-skew-ms", paramLabel = "MS", description = "refuse times later than now + this (default 300000: 5 minutes)")
  Long maxFutureSkewMs;

  @Option(names = "--warmup-batches", paramLabel = "N", description = "model warm-up calls per batch size (default 3)")
  Integer warmupBatches;

  private final CountDownLatch stopped = new CountDownLatch(1);

  public static void main(String[] args) {
    int code = new CommandLine(new ServerMain()).execute(args);
    if (code != 0) {
      System.exit(code);
    }
    // 0: stopped by a signal; the JVM is already shutting down.
  }

  @Override
  public Integer call() throws Exception {
    Map<String, String> options = new LinkedHashMap<>();
    options.put("spec", spec);
    options.put("model", model);
    options.put("redis", redis);
    options.put("bind", bind);
    options.put("port", text(port));
    options.put("workers", text(workers));
    options.put("max-in-flight", text(maxInFlight));
    options.put("event-loops", text(eventLoops));
    options.put("model-threads", text(modelThreads));
    options.put("max-body-bytes", text(maxBodyBytes));
    options.put("max-candidates", text(maxCandidates));
    options.put("max-n", text(maxN));
    options.put("max-event-rows", text(maxEventRows));
    options.put("redis-ca-file", redisCaFile);
    options.put("overlay-columns", overlayColumns);
    options.put("timeout-ms", text(timeoutMs));
    options.put("write-timeout-ms", text(writeTimeoutMs));
    options.put("idle-timeout-ms", text(idleTimeoutMs));
    options.put("shutdown-grace-ms", text(shutdownGraceMs));
    options.put("max-future-skew-ms", text(maxFutureSkewMs));
    options.put("warmup-batches", text(warmupBatches));
    ServerConfig settings;
    try {
      settings = ServerConfig.load(config, System.getenv(), options);
    } catch (ServerConfig.ConfigException e) {
      System.err.println("tandem serve: " + e.getMessage());
      return 2;
    }
    TandemServer server;
    try {
      server = TandemServer.start(settings);
    } catch (TandemServer.StartException e) {
      System.err.println("tandem serve: " + e.getMessage());
      return 2;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.close();
      stopped.countDown();
    }, "tandem-serve-shutdown"));
    System.out.println(server.banner());
    System.out.flush();
    stopped.await();
    return 0;
  }

  private static String text(Object value) {
    return value == null ? null : value.toString();
  }
}
