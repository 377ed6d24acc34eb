package dev.tandem.online.server;

import dev.tandem.online.HttpError;
import dev.tandem.online.RedisKeys;
import dev.tandem.online.RedisState;

import dev.tandem.model.ModelException;
import dev.tandem.model.Scorer;
import dev.tandem.spec.FeatureSpec;
import dev.tandem.spec.SpecException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A running scoring server: the spec, the model (loaded and warmed up before the port opens),
 * the Redis client, and Vert.x serving {@link ScoringVerticle} on {@code bind:port}.
 *
 * <pre>{@code
 * try (TandemServer server = TandemServer.start(ServerConfig.of(Map.of("spec", "jd.yaml", "model", "m",
 *     "redis", "redis://127.0.0.1:6379", "port", "0")))) {
 *   System.out.println(server.url());
 * }
 * }</pre>
 */
public final class TandemServer implements AutoCloseable {
  private static final long START_TIMEOUT_SECONDS = 60;

  /** A problem with the server's input (spec, model, Redis address, settings): exit status 2. */
  public static final class StartException extends Exception {
    public StartException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private final ServerConfig config;
  private final RedisState redis;
  private final ServerMetrics metrics;
  private final JsonObject openapi;
  private final ActiveService active;
  private final AtomicBoolean draining = new AtomicBoolean();
  private final Object reloading = new Object();
  private Vertx vertx;
  private ScoringVerticle verticle;

  private TandemServer(ServerConfig config, RedisState redis, ServerMetrics metrics, JsonObject openapi,
      OnlineService service) {
    this.config = config;
    this.redis = redis;
    this.metrics = metrics;
    this.openapi = openapi;
    this.active = new ActiveService(service);
  }

  /** Loads the spec and the model, connects to Redis, warms the model up, then opens the port. */
  public static TandemServer start(ServerConfig config) throws StartException {
    for (String[] required : new String[][] {{"spec", config.spec()}, {"model", config.model()}, {"redis", config.redis()}}) {
      if (required[1] == null || required[1].isBlank()) {
        throw new StartException("no " + required[0] + " given (--" + required[0] + ", the configuration file, or TANDEM_"
            + required[0].toUpperCase(java.util.Locale.ROOT) + ")", null);
      }
    }
    FeatureSpec spec;
    try {
      spec = FeatureSpec.load(Path.of(config.spec()));
    } catch (SpecException e) {
      throw new StartException("invalid spec " + config.spec() + ":\n" + e.getMessage(), e);
    } catch (IOException e) {
      throw new StartException("cannot read spec " + config.spec() + ": " + e, e);
    }
    Scorer scorer;
    try {
      scorer = Scorer.load(Path.of(config.model()), spec, config.modelThreads());
    } catch (ModelException e) {
      throw new StartException("model " + config.model() + ": " + e.getMessage(), e);
    } catch (IOException e) {
      throw new StartException("cannot read model " + config.model() + ": " + e, e);
    }
    RedisState redis;
    try {
      // A connection per worker: every worker may be in a Redis call at once.
      redis = RedisState.connect(config.redis(), new RedisState.Options(
          config.redisCaFile() == null ? null : Path.of(config.redisCaFile()), config.workers(),
          RedisState.Options.DEFAULTS.timeout()));
      redis.ping();
    } catch (RuntimeException e) {
      scorer.close();
      throw new StartException("cannot reach Redis at " + RedisState.redacted(config.redis()) + ": " + e.getMessage(), e);
    }
    try {
      return start(config, spec, scorer, redis);
    } catch (StartException | RuntimeException e) {
      redis.close();
      scorer.close();
      throw e;
    }
  }

  /**
   * Serves with a loaded spec, scorer and Redis client, which the server then owns (closes).
   * Warms the model up with {@code warmup-batches} calls of 1, 10, 100 and max-candidates rows
   * before the port opens.
   */
  public static TandemServer start(ServerConfig config, FeatureSpec spec, Scorer scorer, RedisState redis)
      throws StartException {
    warmUp(scorer, config);
    ServerMetrics metrics = new ServerMetrics();
    OnlineService service;
    try {
      service = new OnlineService(spec, scorer, redis, config, metrics, Clock.systemUTC());
    } catch (IllegalArgumentException e) {
      throw new StartException(e.getMessage(), e);
    }
    TandemServer server = new TandemServer(config, redis, metrics, OpenApiDocument.of(spec, config), service);
    server.serve();
    return server;
  }

  private static void warmUp(Scorer scorer, ServerConfig config) {
    for (int size : new int[] {1, 10, 100, config.maxCandidates()}) {
      long[][] ids = new long[size][scorer.width()];
      for (int i = 0; i < config.warmupBatches(); i++) {
        scorer.score(ids);
      }
    }
  }

  private void serve() throws StartException {
    vertx = metrics.vertx(new VertxOptions().setEventLoopPoolSize(config.eventLoops())).build();
    // One verticle per event loop, all on one port; Vert.x spreads the connections. Port 0 becomes -1: Vert.x's
    // "any free port, shared by the servers of this Vert.x that ask for -1".
    int port = config.port() == 0 ? -1 : config.port();
    Admission admission = new Admission(config.workers(), config.maxInFlight());
    try {
      for (int i = 0; i < config.eventLoops(); i++) {
        ScoringVerticle v = new ScoringVerticle(active, this::reload, metrics, config, openapi, port, draining, admission);
        await(vertx.deployVerticle(v));
        verticle = verticle == null ? v : verticle;
      }
    } catch (StartException e) {
      await(vertx.close());
      throw new StartException("cannot serve on " + config.bind() + ":" + config.port() + ": " + e.getMessage(), e);
    }
  }

  /**
   * {@code POST /admin/reload}: loads the model {@code body.model} names (for the spec served, or
   * for the spec {@code body.spec} names), warms it up, and swaps spec and model in at once: calls
   * already running finish with the old pair, later calls get the new one. Refused (400, the old
   * pair keeps serving) when the model does not fit the spec, the spec does not compile, the spec
   * changes the API (tables, columns, serving section: that needs a restart), or its version has
   * no state in Redis yet. Blocking; one reload at a time.
   */
  JsonObject reload(JsonObject body) {
    synchronized (reloading) {
      long start = System.nanoTime();
      FeatureSpec spec = active.peek().spec();
      String specPath = body.getString("spec");
      if (specPath != null) {
        try {
          spec = FeatureSpec.load(Path.of(specPath));
        } catch (SpecException e) {
          throw HttpError.badRequest("the spec does not compile:\n" + e.getMessage(), "spec");
        } catch (IOException | java.nio.file.InvalidPathException e) {
          throw HttpError.badRequest("cannot read the spec: " + e.getMessage(), "spec");
        }
        if (!OpenApiDocument.of(spec, config).equals(openapi)) {
          throw HttpError.badRequest("spec " + spec.name() + " v" + spec.version() + " changes the API (its tables, columns"
              + " or serving section): restart the server to serve it", "spec");
        }
      }
      Scorer scorer;
      try {
        scorer = Scorer.load(Path.of(body.getString("model")), spec, config.modelThreads());
      } catch (ModelException e) {
        throw HttpError.badRequest(e.getMessage(), "model");
      } catch (IOException | java.nio.file.InvalidPathException e) {
        throw HttpError.badRequest("cannot read the model: " + e.getMessage(), "model");
      }
      OnlineService next = new OnlineService(spec, scorer, redis, config, metrics, Clock.systemUTC());
      try {
        OnlineService.Health state = next.health();
        if (!state.ok()) {
          throw new HttpError(503, "the state store (Redis) is unreachable; nothing was swapped", null);
        }
        if (specPath != null && state.json().getValue("generation") == null) {
          throw HttpError.badRequest("spec " + spec.name() + " v" + spec.version() + " has no state in Redis: materialize"
              + " it before serving it", "spec");
        }
        warmUp(scorer, config);
      } catch (RuntimeException e) {
        next.close();
        throw e;
      }
      active.swap(next);
      return new JsonObject().put("spec", spec.name()).put("version", spec.version())
          .put("spec_sha256", spec.sha256()).put("model_inputs", scorer.width())
          .put("loaded_ms", (System.nanoTime() - start) / 1_000_000);
    }
  }

  private static <T> T await(Future<T> future) throws StartException {
    try {
      return future.toCompletionStage().toCompletableFuture().get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      throw new StartException(cause.getMessage() == null ? cause.toString() : cause.getMessage(), cause);
    } catch (TimeoutException e) {
      throw new StartException("timed out after " + START_TIMEOUT_SECONDS + " s", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StartException("interrupted", e);
    }
  }

  public int port() {
    return verticle.port();
  }

  public String host() {
    return config.bind();
  }

  public String url() {
    String host = host().contains(":") ? "[" + host() + "]" : host();
    return "http://" + host + ":" + port();
  }

  /** The spec served now. */
  public FeatureSpec spec() {
    return active.peek().spec();
  }

  /** The model served now. */
  public Scorer scorer() {
    return active.peek().scorer();
  }

  OnlineService service() {
    return active.peek();
  }

  /** The generation {@code current} points to now, or null when nothing was materialized. */
  public Long generation() {
    FeatureSpec spec = spec();
    byte[] pointer = redis.get(new RedisKeys(spec.name(), Integer.toString(spec.version())).currentKey());
    return pointer == null ? null : Long.parseLong(new String(pointer, StandardCharsets.US_ASCII));
  }

  /** The line printed when the server is up. */
  public String banner() {
    Long generation = generation();
    FeatureSpec spec = spec();
    return "tandem serve: listening on " + url() + " (spec " + spec.name() + " v" + spec.version() + " sha256 "
        + spec.sha256().substring(0, 12) + ", model " + config.model() + ", generation "
        + (generation == null ? "none (nothing materialized yet)" : generation) + ")";
  }

  /**
   * Shuts down gracefully: readiness turns false, the port takes no new connections, requests in
   * flight finish (within {@code shutdown-grace-ms}), then Redis and the model are closed.
   */
  @Override
  public void close() {
    draining.set(true);
    try {
      await(vertx.close());
    } catch (StartException e) {
      System.getLogger(TandemServer.class.getName()).log(System.Logger.Level.WARNING, "closing Vert.x: " + e.getMessage());
    } finally {
      redis.close();
      active.close();
    }
  }
}
