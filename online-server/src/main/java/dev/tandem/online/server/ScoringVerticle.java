package dev.tandem.online.server;

import dev.tandem.online.HttpError;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VerticleBase;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.HttpException;
import io.vertx.ext.web.handler.TimeoutHandler;
import io.vertx.ext.web.openapi.router.RequestExtractor;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.Operation;
import io.vertx.openapi.validation.SchemaValidationException;
import io.vertx.openapi.validation.ValidatedRequest;
import io.vertx.openapi.validation.ValidatorException;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * The HTTP face of {@link OnlineService}: routes from the OpenAPI document (requests are
 * validated against it before a handler runs), every blocking call (Redis, TensorFlow) on a
 * worker pool, errors as {@code {"error", "field"}} JSON. The event loop only routes, validates
 * and writes JSON.
 */
final class ScoringVerticle extends VerticleBase {
  private static final System.Logger LOG = System.getLogger(ScoringVerticle.class.getName());
  private static final String JSON = "application/json; charset=utf-8";
  private static final String START = "tandem.start";
  private static final String PLACE = "tandem.admission";
  /** The POST paths whose calls run on the worker pool, besides {@code /events/{table}}; /admin/reload is not admitted. */
  private static final Set<String> POOLED = Set.of("/recommend", "/predict", "/features");
  private static final String BEARER = "Bearer ";
  private static final long LINGER_MS = 1_000;

  private final ActiveService active;
  private final Function<JsonObject, JsonObject> reload;
  private final ServerMetrics metrics;
  private final ServerConfig config;
  private final JsonObject openapi;
  private final int port;
  private final AtomicBoolean draining;
  private final Admission admission;
  private WorkerExecutor workers;
  private HttpServer server;

  /**
   * @param port the port to listen on (-1: a free one, shared with the other verticles)
   * @param draining set when the server shuts down: readiness answers 503 from then on
   * @param admission which calls the worker pool takes, shared by the verticles
   * @param reload loads, warms and swaps in the model (and spec) a {@code POST /admin/reload} body names; blocking
   */
  ScoringVerticle(ActiveService active, Function<JsonObject, JsonObject> reload, ServerMetrics metrics, ServerConfig config,
      JsonObject openapi, int port, AtomicBoolean draining, Admission admission) {
    this.port = port;
    this.draining = draining;
    this.admission = admission;
    this.active = active;
    this.reload = reload;
    this.metrics = metrics;
    this.config = config;
    this.openapi = openapi;
  }

  @Override
  public Future<?> start() {
    workers = vertx.createSharedWorkerExecutor("tandem-worker", config.workers(), 10L * config.timeoutMs(),
        TimeUnit.MILLISECONDS);
    return OpenAPIContract.from(vertx, openapi.copy())
        .map(this::router)
        .compose(router -> vertx.createHttpServer(new HttpServerOptions()
                .setHost(config.bind()).setPort(port)
                .setIdleTimeout((int) config.idleTimeoutMs()).setIdleTimeoutUnit(TimeUnit.MILLISECONDS)
                .setCompressionSupported(true))
            .requestHandler(router)
            .invalidRequestHandler(this::invalidRequest)
            .listen())
        .onSuccess(s -> server = s);
  }

  @Override
  public Future<?> stop() {
    // Graceful: no new connections; requests in flight finish (up to the grace period), then connections close.
    return (server == null ? Future.succeededFuture() : server.shutdown(config.shutdownGraceMs(), TimeUnit.MILLISECONDS))
        .eventually(() -> workers == null ? Future.succeededFuture() : workers.close());
  }

  /** The port the server listens on. */
  int port() {
    return server.actualPort();
  }

  private Router router(OpenAPIContract contract) {
    RouterBuilder builder = RouterBuilder.create(vertx, contract, RequestExtractor.withBodyHandler())
        .rootHandler((io.vertx.ext.web.handler.PlatformHandler) ScoringVerticle::stampStart)
        .rootHandler(timeouts())
        .rootHandler(BodyHandler.create(false).setBodyLimit(config.maxBodyBytes()))
        // Before the body is parsed and validated: a call refused under overload costs only its read.
        .rootHandler(this::admit);

    // Every route, in one place: the OpenAPI operation id -> what answers it.
    Map<String, Handler<RoutingContext>> routes = new LinkedHashMap<>();
    routes.put("recommend", ctx -> blocking(ctx, overlays(ctx), OnlineService::recommend));
    routes.put("predict", ctx -> blocking(ctx, body(ctx), OnlineService::predict));
    routes.put("features", ctx -> blocking(ctx, overlays(ctx), OnlineService::features));
    routes.put("ingestEvents", ctx -> blocking(ctx, authorized(ctx, body(ctx), "Authorization"),
        (service, body, deadline) -> service.ingest(ctx.pathParam("table"), body)));
    routes.put("reload", ctx -> {
      JsonObject body = authorized(ctx, body(ctx), "Authorization");
      blocking(ctx, deadline(ctx), () -> reload.apply(body));
    });
    routes.put("health", this::health);
    routes.put("live", ctx -> send(ctx, 200, new JsonObject().put("status", "live")));
    routes.put("ready", this::ready);
    routes.put("metrics", ctx -> ctx.response().putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8")
        .end(metrics.scrape()));
    routes.put("openapi", ctx -> send(ctx, 200, openapi));

    routes.forEach((operation, handler) -> builder.getRoute(operation).addHandler(handler).addFailureHandler(this::failure));
    Router router = builder.createRouter();
    router.route().failureHandler(this::failure);
    router.errorHandler(404, ctx -> error(ctx, 404, "no route " + ctx.request().method() + " " + ctx.request().path()
        + " (see GET /openapi.json)", "path"));
    router.errorHandler(405, ctx -> error(ctx, 405, "method " + ctx.request().method() + " not allowed on "
        + ctx.request().path(), "method"));
    router.errorHandler(500, this::failure);
    return router;
  }

  private static JsonObject body(RoutingContext ctx) {
    ValidatedRequest validated = ctx.get(RouterBuilder.KEY_META_DATA_VALIDATED_REQUEST);
    JsonObject body = validated == null || validated.getBody() == null ? null : validated.getBody().getJsonObject();
    if (body == null) {
      throw HttpError.badRequest("expected a JSON object", "body");
    }
    return body;
  }

  /** The body of a call that may carry request-time overlays ({@code values}, {@code events}): those need the token. */
  private JsonObject overlays(RoutingContext ctx) {
    JsonObject body = body(ctx);
    String overlay = body.containsKey("values") ? "values" : body.containsKey("events") ? "events" : null;
    return overlay == null ? body : authorized(ctx, body, overlay);
  }

  /**
   * {@code body} when the call carries the configured bearer token; else 401 (missing or wrong
   * token, compared in constant time) or 403 (no token configured: writes are off). {@code field}
   * names what needed it.
   */
  private JsonObject authorized(RoutingContext ctx, JsonObject body, String field) {
    if (config.apiToken() == null) {
      throw new HttpError(403, "writes and request-time overlays are off: the server has no api-token (TANDEM_API_TOKEN)",
          field);
    }
    String header = ctx.request().getHeader("Authorization");
    byte[] given = header != null && header.startsWith(BEARER) ? header.substring(BEARER.length()).getBytes(UTF_8)
        : new byte[0];
    if (!MessageDigest.isEqual(given, config.apiToken().getBytes(UTF_8))) {
      ctx.response().putHeader("WWW-Authenticate", "Bearer");
      throw new HttpError(401, "this call needs the server's token: Authorization: Bearer <api-token>", field);
    }
    return body;
  }

  /** A call of the service on a request body, before its deadline. */
  @FunctionalInterface
  private interface Call {
    JsonObject apply(OnlineService service, JsonObject body, Deadline deadline);
  }

  /**
   * Runs {@code call} on {@code body} on the worker pool with the service active when it starts
   * (held to its end), and answers its JSON (or its error).
   */
  private void blocking(RoutingContext ctx, JsonObject body, Call call) {
    Deadline deadline = deadline(ctx);
    blocking(ctx, deadline, () -> {
      try (ActiveService.Lease lease = active.lease()) {
        return call.apply(lease.service(), body, deadline);
      }
    });
  }

  /** When the call must be answered by: its read or write timeout after its arrival. */
  private Deadline deadline(RoutingContext ctx) {
    return Deadline.after(ctx.get(START), timeoutMs(routePath(ctx)));
  }

  /** The path as the router matches it: normalized, without a trailing slash ({@code POST /recommend/} is /recommend). */
  private static String routePath(RoutingContext ctx) {
    String path = ctx.normalizedPath();
    return path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
  }

  private static boolean isWrite(String path) {
    return path.startsWith("/events/") || path.startsWith("/admin/");
  }

  /** A read's deadline is timeout-ms, a write's write-timeout-ms (it completes once started). */
  private long timeoutMs(String path) {
    return isWrite(path) ? config.writeTimeoutMs() : config.timeoutMs();
  }

  /** Answers 503 when a call's deadline passes. */
  private io.vertx.ext.web.handler.PlatformHandler timeouts() {
    TimeoutHandler reads = TimeoutHandler.create(config.timeoutMs(), 503);
    TimeoutHandler writes = TimeoutHandler.create(config.writeTimeoutMs(), 503);
    return ctx -> (isWrite(routePath(ctx)) ? writes : reads).handle(ctx);
  }

  /**
   * Takes a call for the worker pool in ({@link Admission}), or answers 503 with Retry-After at
   * once. An admitted call holds its place until both its answer is written and its work (if it
   * started) has ended: a call answered at its deadline may still be running.
   */
  private void admit(RoutingContext ctx) {
    String operation = pooledOperation(ctx);
    if (operation == null) {
      ctx.next();
      return;
    }
    String refused = admission.enter(operation, deadline(ctx));
    if (refused != null) {
      metrics.shed();
      ctx.response().putHeader("Retry-After", "1");
      error(ctx, 503, refused, null);
      return;
    }
    Place place = new Place(operation);
    ctx.put(PLACE, place);
    ctx.addEndHandler(ar -> place.release());
    ctx.next();
  }

  /** The admission key of a call that runs on the worker pool ({@code /events/{table}} is one), null for the others. */
  private static String pooledOperation(RoutingContext ctx) {
    if (ctx.request().method() != HttpMethod.POST) {
      return null;
    }
    String path = routePath(ctx);
    return path.startsWith("/events/") ? "/events" : POOLED.contains(path) ? path : null;
  }

  /** An admitted call's place: released by its answer and by its work's end, given back when both are done. */
  private final class Place {
    private final String operation;
    private final AtomicInteger holds = new AtomicInteger(1);
    private volatile long ranNanos;

    Place(String operation) {
      this.operation = operation;
    }

    /**
     * One more hold for the call's work; false when the place was already given back (the client
     * went away before its work could start): then the work must not run.
     */
    boolean hold() {
      return holds.getAndUpdate(h -> h == 0 ? 0 : h + 1) > 0;
    }

    void release() {
      if (holds.decrementAndGet() == 0) {
        admission.exit(operation, ranNanos);
      }
    }
  }

  /** Runs {@code work} on the worker pool, unless its call passed its deadline while queued, and answers its JSON. */
  private void blocking(RoutingContext ctx, Deadline deadline, Callable<JsonObject> work) {
    Place place = ctx.get(PLACE);
    if (ctx.response().closed() || (place != null && !place.hold())) {
      return; // the client went away while its body was validated: nobody to answer
    }
    workers.executeBlocking(() -> {
      if (deadline.passed()) {
        metrics.deadlineExceeded("waiting for a worker");
        throw deadline.exceeded("waiting for a worker");
      }
      long start = System.nanoTime();
      try {
        return work.call();
      } finally {
        if (place != null) {
          place.ranNanos = System.nanoTime() - start;
        }
      }
    }, false).onComplete(ar -> {
      if (place != null) {
        place.release();
      }
      if (ctx.response().ended() || ctx.response().closed()) {
        return; // timed out (already answered) or the client went away
      }
      if (ar.succeeded()) {
        send(ctx, 200, ar.result());
      } else {
        ctx.fail(ar.cause());
      }
    });
  }

  /**
   * A request HTTP could not parse (a request line or headers past their limits, a malformed
   * line): answered with a JSON error, then the connection is closed after a pause. Closing at
   * once would drop the answer: the client is still sending, and a socket closed with unread
   * bytes is reset, which discards the answer on the client's side. Meanwhile the decoder
   * discards what arrives.
   */
  private void invalidRequest(HttpServerRequest request) {
    Throwable cause = request.decoderResult().cause();
    JsonObject error = cause instanceof TooLongHttpLineException
        ? new JsonObject().put("error", "the request line is longer than " + HttpServerOptions.DEFAULT_MAX_INITIAL_LINE_LENGTH
            + " bytes").put("field", "path")
        : cause instanceof TooLongHttpHeaderException
        ? new JsonObject().put("error", "the headers are larger than " + HttpServerOptions.DEFAULT_MAX_HEADER_SIZE + " bytes")
            .put("field", "headers")
        : new JsonObject().put("error", "not a valid HTTP/1.1 request").put("field", "request");
    int status = cause instanceof TooLongHttpLineException ? 414 : cause instanceof TooLongHttpHeaderException ? 431 : 400;
    request.response().setStatusCode(status).putHeader("content-type", JSON).end(error.toBuffer())
        .onComplete(done -> vertx.setTimer(LINGER_MS, t -> request.connection().close()));
  }

  private void ready(RoutingContext ctx) {
    if (draining.get()) {
      send(ctx, 503, new JsonObject().put("status", "shutting down"));
    } else {
      health(ctx);
    }
  }

  private void health(RoutingContext ctx) {
    workers.executeBlocking(() -> {
      try (ActiveService.Lease lease = active.lease()) {
        return lease.service().health();
      }
    }, false).onComplete(ar -> {
      if (ctx.response().ended() || ctx.response().closed()) {
        return;
      }
      if (ar.succeeded()) {
        send(ctx, ar.result().ok() ? 200 : 503, ar.result().json());
      } else {
        ctx.fail(ar.cause());
      }
    });
  }

  /** Notes when the request arrived: its deadline counts from there. */
  private static void stampStart(RoutingContext ctx) {
    ctx.put(START, System.nanoTime());
    ctx.next();
  }

  private void failure(RoutingContext ctx) {
    if (ctx.response().ended() || ctx.response().closed()) {
      return;
    }
    Throwable t = ctx.failure();
    int status = ctx.statusCode();
    if (t instanceof HttpError e) {
      error(ctx, e.status(), e.getMessage(), e.field());
      return;
    }
    if (t instanceof HttpException he) {
      status = he.getStatusCode();
      if (he.getCause() instanceof ValidatorException ve) {
        validationError(ctx, ve);
        return;
      }
    }
    switch (status) {
      case 413 -> error(ctx, 413, "the request body is larger than " + config.maxBodyBytes() + " bytes", "body");
      case 503 -> error(ctx, 503, "the call passed its deadline of " + timeoutMs(routePath(ctx)) + " ms", null);
      case 400 -> error(ctx, 400, "bad request", "body");
      case 404 -> error(ctx, 404, "not found", null);
      case 405 -> error(ctx, 405, "method not allowed", null);
      case 415 -> error(ctx, 415, "the body must be JSON (content-type: application/json)", "body");
      default -> {
        if (status >= 400 && status < 500) {
          error(ctx, status, "request refused (" + status + ")", null);
        } else {
          LOG.log(System.Logger.Level.ERROR, "unexpected failure on " + ctx.request().method() + " " + ctx.request().path(), t);
          error(ctx, 500, "internal error (logged by the server)", null);
        }
      }
    }
  }

  /** A request that does not match the OpenAPI document: 400 naming the field at fault. */
  private void validationError(RoutingContext ctx, ValidatorException e) {
    ValidationProblem problem = e instanceof SchemaValidationException se && se.getOutputUnit() != null
        ? ValidationProblem.of(se.getOutputUnit(), bodySchema(ctx), openapi, decodedBody(ctx))
        : null;
    if (problem == null) {
      // Not a schema failure: the body could not be read as JSON of the declared content type.
      String message = switch (e.type()) {
        case MISSING_REQUIRED_PARAMETER -> "a JSON body is required";
        case UNSUPPORTED_VALUE_FORMAT -> "the body must be JSON (content-type: application/json)";
        case ILLEGAL_VALUE -> "the body is not valid JSON";
        default -> e.getMessage();
      };
      error(ctx, 400, message, "body");
      return;
    }
    String field = problem.field().isEmpty() ? "body" : problem.field();
    if (!problem.undeclaredMember()) {
      error(ctx, 400, problem.reason(), field);
      return;
    }
    String path = problem.field();
    String parent = path.contains(".") ? path.substring(0, path.lastIndexOf('.')) : "";
    String name = path.contains(".") ? path.substring(path.lastIndexOf('.') + 1) : path;
    boolean rowOfTable = parent.startsWith("values.") || parent.startsWith("events.") || parent.equals("row")
        || (parent.isEmpty() && ctx.request().path().equals("/predict"));
    boolean table = parent.equals("values") || parent.equals("events");
    String message = table && active.peek().spec().table(name) != null
        ? "table '" + name + "' cannot be given in '" + parent + "' ('values': one row of the request table or of a"
            + " dimension table; 'events': rows of event and dimension tables)"
        : table ? "unknown table '" + name + "'"
        : rowOfTable ? "unknown column '" + name + "'"
        : "unknown field '" + name + "'";
    error(ctx, 400, message, field);
  }

  /** The body schema of the route's OpenAPI operation, as the document declares it. */
  private JsonObject bodySchema(RoutingContext ctx) {
    Operation operation = ctx.currentRoute() == null ? null : ctx.currentRoute().getMetadata(RouterBuilder.KEY_META_DATA_OPERATION);
    return operation == null ? null : OpenApiDocument.bodySchema(openapi, operation.getOperationId());
  }

  private static Object decodedBody(RoutingContext ctx) {
    try {
      return ctx.body() == null || ctx.body().buffer() == null ? null : Json.decodeValue(ctx.body().buffer());
    } catch (DecodeException e) {
      return null;
    }
  }

  private static void error(RoutingContext ctx, int status, String message, String field) {
    send(ctx, status, new JsonObject().put("error", message).put("field", field));
  }

  private static void send(RoutingContext ctx, int status, JsonObject body) {
    if (ctx.response().ended() || ctx.response().closed()) {
      return;
    }
    ctx.response().setStatusCode(status).putHeader("content-type", JSON).end(body.toBuffer());
  }
}
