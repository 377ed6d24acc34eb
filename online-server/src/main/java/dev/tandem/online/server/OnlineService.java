package dev.tandem.online.server;

import dev.tandem.online.FeatureFetcher;
import dev.tandem.online.HttpError;
import dev.tandem.online.Ingestion;
import dev.tandem.online.JsonValues;
import dev.tandem.online.PopularItems;
import dev.tandem.online.RedisKeys;
import dev.tandem.online.RedisState;

import dev.tandem.model.Scorer;
import dev.tandem.spec.FeatureSpec;
import dev.tandem.spec.def.FeatureDef;
import dev.tandem.spec.def.TableDef;
import dev.tandem.spec.def.Type;
import dev.tandem.spec.encoding.ModelEncoder;
import dev.tandem.spec.encoding.Values;
import dev.tandem.spec.eval.FeaturePlan;
import dev.tandem.spec.eval.ServingPlan;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import redis.clients.jedis.exceptions.JedisException;

/**
 * What the HTTP endpoints do, without HTTP: JSON bodies in, JSON answers out, {@link HttpError}
 * for what the caller got wrong. Every method blocks (Redis, TensorFlow): the server calls them
 * on its worker pool, never on an event loop. Thread-safe.
 *
 * <p>Nothing here computes a feature: request rows are built by the spec's serving section,
 * state comes from {@link FeatureFetcher} (one round trip per batch of rows), features from the
 * core's evaluate entry, ids from the spec's model encoder and scores from {@link Scorer}.
 */
final class OnlineService implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(OnlineService.class.getName());
  private static final String EVENT_ID = "event_id";

  private final FeatureSpec spec;
  private final FeaturePlan plan;
  private final ServingPlan serving;
  private final TableDef requestTable;
  private final ModelEncoder encoder;
  private final Scorer scorer;
  private final RedisState redis;
  private final RedisKeys keys;
  private final FeatureFetcher fetcher;
  private final Ingestion ingestion;
  private final PopularItems popular;
  private final ServerConfig config;
  private final OverlayColumns overlayColumns;
  private final ServerMetrics metrics;
  private final Clock clock;

  public OnlineService(FeatureSpec spec, Scorer scorer, RedisState redis, ServerConfig config,
      ServerMetrics metrics, Clock clock) {
    this.spec = spec;
    this.plan = spec.plan();
    this.serving = spec.serving();
    this.requestTable = plan.requestTable();
    this.encoder = spec.modelEncoder();
    this.scorer = scorer;
    this.redis = redis;
    this.keys = new RedisKeys(spec.name(), Integer.toString(spec.version()));
    this.fetcher = new FeatureFetcher(spec, redis, keys);
    this.ingestion = new Ingestion(spec, redis, keys, Duration.ofMillis(config.maxFutureSkewMs()));
    this.popular = serving == null ? null : new PopularItems(spec, redis, keys);
    this.config = config;
    this.overlayColumns = OverlayColumns.parse(config.overlayColumns(), spec);
    this.metrics = metrics;
    this.clock = clock;
  }

  public FeatureSpec spec() {
    return spec;
  }

  public Scorer scorer() {
    return scorer;
  }

  /** Frees the model (the Redis client is shared and closed by its owner). */
  @Override
  public void close() {
    scorer.close();
  }

  // ---------------------------------------------------------------- /recommend

  /** {@code POST /recommend}: see the OpenAPI document. */
  public JsonObject recommend(JsonObject body, Deadline deadline) {
    ServingPlan s = requireServing();
    Object user = required(s.userType(), body, s.userColumn());
    int n = body.getValue("n") == null ? 10 : (int) JsonValues.fromJson(Type.INT, body.getValue("n"), "n");
    if (n < 0 || n > config.maxN()) {
      throw HttpError.badRequest("n must be in 0.." + config.maxN() + ", got " + n, "n");
    }
    Instant time = requestTime(body);
    Overlay overlay = overlay(body, time, Map.of(s.userColumn(), user));

    List<Object> candidates;
    Long recallGeneration = null;
    if (body.containsKey("candidates")) {
      JsonArray given = body.getJsonArray("candidates");
      if (given.size() > config.maxCandidates()) {
        throw HttpError.badRequest("at most " + config.maxCandidates() + " candidates, got " + given.size(), "candidates");
      }
      candidates = new ArrayList<>(given.size());
      Set<String> seen = new HashSet<>();
      for (int i = 0; i < given.size(); i++) {
        Object item = JsonValues.fromJson(s.itemType(), given.getValue(i), "candidates[" + i + "]");
        if (item == null) {
          throw HttpError.badRequest("a candidate cannot be null", "candidates[" + i + "]");
        }
        if (seen.add(itemText(item))) {
          candidates.add(item);
        }
      }
    } else {
      // Recall: the user's own stored rows first (one fetch of the user's state), then popular items.
      Object[] probe = s.requestRow(user, null, time, requestId(), overlay.given());
      FeatureFetcher.Snapshot userState = fetch(List.<Object[]>of(probe), true, deadline);
      recallGeneration = userState.generation();
      Set<String> seen = new HashSet<>();
      candidates = new ArrayList<>();
      if (s.recentStore() != null && s.recentLimit() > 0) {
        for (Object item : s.recentItems(userState.rows(s.recentStore(), user), s.recentLimit())) {
          if (seen.add(itemText(item))) {
            candidates.add(item);
          }
        }
      }
      if (s.popularLimit() > 0 && s.popularDays() > 0) {
        for (String text : popular.top(userState.generation(), time, s.popularDays(), s.popularLimit())) {
          Object item = s.itemType() == Type.STRING ? text : Values.parse(s.itemType(), text, spec.timezone());
          if (seen.add(itemText(item))) {
            candidates.add(item);
          }
        }
      }
    }

    List<Object[]> rows = new ArrayList<>(candidates.size());
    for (Object item : candidates) {
      rows.add(requestRow(s, user, item, time, overlay.given()));
    }
    long generation = recallGeneration == null ? -1 : recallGeneration;
    List<Object[]> features = List.of();
    float[] scores = new float[0];
    if (!rows.isEmpty()) {
      FeatureFetcher.Snapshot snapshot = overlay.apply(fetch(rows, true, deadline));
      generation = snapshot.generation();
      features = evaluate(rows, snapshot, deadline);
      scores = score(features, deadline);
    } else if (generation < 0) {
      generation = currentGeneration();
    }

    Integer[] order = new Integer[rows.size()];
    String[] texts = new String[rows.size()];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
      texts[i] = itemText(candidates.get(i));
    }
    float[] sc = scores;
    // Highest score first; equal scores by the item's text, ascending (UTF-8 byte order).
    Arrays.sort(order, (a, b) -> {
      int byScore = Float.compare(sc[b], sc[a]);
      return byScore != 0 ? byScore : Values.compareCodePoints(texts[a], texts[b]);
    });
    JsonArray items = new JsonArray();
    for (int i : order) {
      if (items.size() >= n) {
        break;
      }
      if (s.keep(features.get(i))) {
        items.add(new JsonObject().put("item", JsonValues.toJson(s.itemType(), candidates.get(i))).put("score", scores[i]));
      }
    }
    return new JsonObject().put("items", items).put("request_time", time.toString()).put("generation", generation)
        .put("candidates", rows.size());
  }

  // ---------------------------------------------------------------- /predict

  /** {@code POST /predict}: one request row (columns by name) → the model's probability. */
  public JsonObject predict(JsonObject body, Deadline deadline) {
    Object[] row = requestRowFromJson(body, "");
    FeatureFetcher.Snapshot snapshot = fetch(List.<Object[]>of(row), false, deadline);
    List<Object[]> features = evaluate(List.<Object[]>of(row), snapshot, deadline);
    float[] p = score(features, deadline);
    return new JsonObject().put("probability", p[0]).put("generation", snapshot.generation());
  }

  // ---------------------------------------------------------------- /features

  /** {@code POST /features}: {@code {"row": ...}} or the serving form → features, model ids, the row used. */
  public JsonObject features(JsonObject body, Deadline deadline) {
    Object[] row;
    Overlay overlay;
    if (body.containsKey("row")) {
      if (serving != null && (body.containsKey(serving.userColumn()) || body.containsKey(serving.itemColumn()))) {
        throw HttpError.badRequest("give either a request row or the serving form (" + serving.userColumn() + ", "
            + serving.itemColumn() + "), not both", serving.userColumn());
      }
      JsonObject json = body.getValue("row") instanceof JsonObject o ? o : null;
      if (json == null) {
        throw HttpError.badRequest("expected an object (a row of table '" + requestTable.name() + "')", "row");
      }
      row = requestRowFromJson(json, "row");
      Instant time = requestTable.timeOf(row);
      if (body.containsKey("event_time")) {
        throw HttpError.badRequest("a request row carries its own time (column '" + requestTable.time() + "')", "event_time");
      }
      JsonObject values = body.getJsonObject("values");
      if (values != null && values.containsKey(requestTable.name())) {
        throw HttpError.badRequest("give the request table's columns in the row", "values." + requestTable.name());
      }
      Map<String, Object> defaults = new HashMap<>();
      if (serving != null) {
        defaults.put(serving.userColumn(), row[requestTable.indexOf(serving.userColumn())]);
        defaults.put(serving.itemColumn(), row[requestTable.indexOf(serving.itemColumn())]);
      }
      overlay = overlay(body, time, defaults);
    } else {
      ServingPlan s = requireServing();
      Object user = required(s.userType(), body, s.userColumn());
      if (!body.containsKey(s.itemColumn())) {
        throw HttpError.badRequest("required (or give a request row as \"row\")", s.itemColumn());
      }
      Object item = JsonValues.fromJson(s.itemType(), body.getValue(s.itemColumn()), s.itemColumn());
      Instant time = requestTime(body);
      Map<String, Object> defaults = new HashMap<>();
      defaults.put(s.userColumn(), user);
      if (item != null) {
        defaults.put(s.itemColumn(), item);
      }
      overlay = overlay(body, time, defaults);
      row = requestRow(s, user, item, time, overlay.given());
    }
    FeatureFetcher.Snapshot snapshot = overlay.apply(fetch(List.<Object[]>of(row), !body.containsKey("row"), deadline));
    Object[] features = evaluate(List.<Object[]>of(row), snapshot, deadline).get(0);
    JsonObject named = new JsonObject();
    List<FeatureDef> defs = plan.features();
    for (int i = 0; i < defs.size(); i++) {
      named.put(defs.get(i).name(), JsonValues.toJson(defs.get(i).type(), features[i]));
    }
    JsonArray ids = new JsonArray();
    for (long id : encoder.encode(features)) {
      ids.add(id);
    }
    return new JsonObject().put("features", named).put("model_ids", ids)
        .put("request", new JsonObject(JsonValues.toJson(requestTable, row))).put("generation", snapshot.generation());
  }

  // ---------------------------------------------------------------- /events/{table}

  /** {@code POST /events/{table}}: ingest rows into the current generation; one result per row. */
  public JsonObject ingest(String tableName, JsonObject body) {
    TableDef table = spec.table(tableName);
    if (table == null) {
      throw new HttpError(404, "unknown table '" + tableName + "'; the spec's tables: "
          + spec.tables().stream().map(TableDef::name).toList(), "table");
    }
    JsonArray rows = body.getJsonArray("rows");
    if (rows == null) {
      throw HttpError.badRequest("required", "rows");
    }
    if (rows.size() > config.maxEventRows()) {
      throw HttpError.badRequest("at most " + config.maxEventRows() + " rows per call, got " + rows.size(), "rows");
    }
    List<Ingestion.Event> events = new ArrayList<>(rows.size());
    for (int i = 0; i < rows.size(); i++) {
      String path = "rows[" + i + "]";
      if (!(rows.getValue(i) instanceof JsonObject json)) {
        throw HttpError.badRequest("expected an object", path);
      }
      if (!(json.getValue(EVENT_ID) instanceof String id) || id.isEmpty()) {
        throw HttpError.badRequest("required: the event's id, a non-empty string", path + "." + EVENT_ID);
      }
      Object[] values = JsonValues.row(table, json.getMap(), path, EVENT_ID);
      Instant t = table.timeOf(values);
      if (t != null) {
        notInFuture(t, path + "." + table.time());
      }
      events.add(new Ingestion.Event(id, values, clock.instant()));
    }
    currentGeneration(); // 503 when nothing was materialized
    Ingestion.Outcome outcome;
    try {
      outcome = ingestion.ingestLive(table.name(), events);
    } catch (JedisException e) {
      throw unreachable(e);
    } catch (IllegalStateException e) {
      // Keys that kept changing under concurrent writers, or no generation: some rows may be in; a retry is safe.
      throw new HttpError(503, e.getMessage() + "; retry the call (rows already in answer duplicate)", null);
    }
    long generation = outcome.generation();
    List<Ingestion.Result> results = outcome.results();
    JsonArray out = new JsonArray();
    Map<Ingestion.Status, Integer> counts = new EnumMap<>(Ingestion.Status.class);
    for (Ingestion.Status st : Ingestion.Status.values()) {
      counts.put(st, 0);
    }
    for (Ingestion.Result r : results) {
      out.add(new JsonObject().put("status", name(r.status())).put("reason", r.reason()));
      counts.merge(r.status(), 1, Integer::sum);
    }
    JsonObject countJson = new JsonObject();
    counts.forEach((st, c) -> {
      countJson.put(name(st), c);
      metrics.events(table.name(), name(st), c);
    });
    return new JsonObject().put("generation", generation).put("results", out).put("counts", countJson);
  }

  private static String name(Ingestion.Status status) {
    return status.name().toLowerCase(Locale.ROOT);
  }

  // ---------------------------------------------------------------- /health

  /** {@code GET /health}: healthy when Redis answers PING. */
  public record Health(boolean ok, JsonObject json) {}

  public Health health() {
    JsonObject json = new JsonObject();
    JsonObject redisJson = new JsonObject();
    boolean ok;
    Long generation = null;
    try {
      redis.ping();
      byte[] pointer = redis.get(keys.currentKey());
      generation = pointer == null ? null : Long.parseLong(new String(pointer, StandardCharsets.US_ASCII));
      redisJson.put("reachable", true);
      ok = true;
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "health: Redis unreachable: " + e);
      redisJson.put("reachable", false).put("error", "Redis did not answer PING");
      ok = false;
    }
    json.put("status", ok ? "ok" : "unavailable");
    json.put("redis", redisJson);
    json.put("model", new JsonObject().put("loaded", true).put("inputs", scorer.width())
        .put("device", scorer.device()));
    json.put("spec", new JsonObject().put("name", spec.name()).put("version", spec.version()).put("sha256", spec.sha256()));
    json.put("generation", generation);
    return new Health(ok, json);
  }

  // ---------------------------------------------------------------- shared steps

  /** The generation {@code current} points to; 503 when nothing was materialized. */
  public long currentGeneration() {
    byte[] pointer;
    try {
      pointer = redis.get(keys.currentKey());
    } catch (JedisException e) {
      throw unreachable(e);
    }
    if (pointer == null) {
      throw new HttpError(503, "no state in Redis for spec " + spec.name() + " version " + spec.version()
          + " (run `tandem materialize` first)", null);
    }
    return Long.parseLong(new String(pointer, StandardCharsets.US_ASCII));
  }

  /** @param generatedIds whether the rows' request ids were made up here (then state kept by them is not read) */
  private FeatureFetcher.Snapshot fetch(List<Object[]> rows, boolean generatedIds, Deadline deadline) {
    before("fetching state", deadline);
    long start = System.nanoTime();
    FeatureFetcher.Snapshot snapshot;
    try {
      snapshot = generatedIds ? fetcher.fetchNewRequests(rows) : fetcher.fetch(rows);
    } catch (JedisException e) {
      throw unreachable(e);
    } catch (IllegalStateException e) {
      throw new HttpError(503, e.getMessage(), null);
    }
    metrics.fetch(System.nanoTime() - start, snapshot.keys(), snapshot.bytes());
    return snapshot;
  }

  private List<Object[]> evaluate(List<Object[]> rows, FeatureFetcher.Snapshot snapshot, Deadline deadline) {
    before("computing features", deadline);
    long start = System.nanoTime();
    List<Object[]> features = fetcher.evaluate(rows, snapshot);
    metrics.features(System.nanoTime() - start);
    return features;
  }

  /** One model call for every row. */
  private float[] score(List<Object[]> features, Deadline deadline) {
    before("scoring", deadline);
    long[][] ids = encoder.encode(features);
    long start = System.nanoTime();
    float[] scores = scorer.score(ids);
    metrics.score(System.nanoTime() - start, ids.length);
    return scores;
  }

  /** Skips a stage whose call is already past its deadline (its client was answered 503). */
  private void before(String stage, Deadline deadline) {
    if (deadline.passed()) {
      metrics.deadlineExceeded(stage);
      throw deadline.exceeded(stage);
    }
  }

  private static HttpError unreachable(JedisException e) {
    LOG.log(System.Logger.Level.WARNING, "Redis call failed: " + e);
    return new HttpError(503, "the state store (Redis) is unreachable", null);
  }

  private ServingPlan requireServing() {
    if (serving == null) {
      throw HttpError.badRequest("spec " + spec.name() + " has no serving section: give request rows (/predict, /features"
          + " with \"row\")", null);
    }
    return serving;
  }

  private static Object required(Type type, JsonObject body, String field) {
    Object value = JsonValues.fromJson(type, body.getValue(field), field);
    if (value == null) {
      throw HttpError.badRequest("required", field);
    }
    return value;
  }

  private Object[] requestRow(ServingPlan s, Object user, Object item, Instant time, Map<String, Object> given) {
    try {
      return s.requestRow(user, item, time, requestId(), given);
    } catch (IllegalArgumentException e) {
      throw HttpError.badRequest(e.getMessage(), "values." + requestTable.name());
    }
  }

  /** A request row from JSON (columns by name); its time is required and not in the far future. */
  private Object[] requestRowFromJson(JsonObject json, String path) {
    Object[] row = JsonValues.row(requestTable, json.getMap(), path, null);
    String timeField = path.isEmpty() ? requestTable.time() : path + "." + requestTable.time();
    Instant t = requestTable.timeOf(row);
    if (t == null) {
      throw HttpError.badRequest("required: the request's time (a request without a time cannot be placed in any window)",
          timeField);
    }
    notInFuture(t, timeField);
    return row;
  }

  /** The call's {@code event_time}, or now; never far in the future. */
  private Instant requestTime(JsonObject body) {
    Object json = body.getValue("event_time");
    if (json == null) {
      return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }
    Instant time = JsonValues.timestamp(json, "event_time");
    notInFuture(time, "event_time");
    return time;
  }

  /** The core's rule for times ahead of the clock ({@link TableDef#aheadOfClock}), with the server's clock and skew. */
  private void notInFuture(Instant time, String field) {
    String problem = TableDef.aheadOfClock(field, time, clock.instant(), Duration.ofMillis(config.maxFutureSkewMs()));
    if (problem != null) {
      throw HttpError.badRequest(problem + " (the server's max-future-skew-ms)", field);
    }
  }

  private String itemText(Object item) {
    return Values.keyText(serving.itemType(), item, spec.timezone());
  }

  /** A random (version 4) UUID from a thread-local generator: a fresh id per request row. */
  private static String requestId() {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    long hi = (r.nextLong() & ~0xF000L) | 0x4000L;
    long lo = (r.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
    return new UUID(hi, lo).toString();
  }

  // ---------------------------------------------------------------- request-time values

  /**
   * A call's request-time rows: {@code given} columns of the request table (from
   * {@code values[<request table>]}), and rows per table to apply to the fetched state.
   */
  private record Overlay(Map<String, Object> given, Map<String, List<Object[]>> rows) {
    FeatureFetcher.Snapshot apply(FeatureFetcher.Snapshot snapshot) {
      FeatureFetcher.Snapshot s = snapshot;
      for (Map.Entry<String, List<Object[]>> e : rows.entrySet()) {
        s = s.with(e.getKey(), e.getValue());
      }
      return s;
    }
  }

  /**
   * Reads {@code values} and {@code events}. A row's time column defaults to the request time
   * when absent (an explicit null is refused: a row without a time reaches no window); a values
   * row's columns named in {@code defaults} (the user column; for /features also the item
   * column) default to the request's values.
   */
  private Overlay overlay(JsonObject body, Instant time, Map<String, Object> defaults) {
    Map<String, Object> given = new LinkedHashMap<>();
    Map<String, List<Object[]>> rows = new LinkedHashMap<>();
    Object valuesJson = body.getValue("values");
    if (valuesJson != null) {
      if (!(valuesJson instanceof JsonObject values)) {
        throw HttpError.badRequest("expected an object: table -> row", "values");
      }
      for (String name : values.fieldNames()) {
        String path = "values." + name;
        TableDef t = table(name, path);
        if (!(values.getValue(name) instanceof JsonObject json)) {
          throw HttpError.badRequest("expected an object: a row of table '" + name + "'", path);
        }
        overlayColumns.check(name, json.fieldNames(), path);
        if (t == requestTable) {
          Set<String> fromRequest = serving == null ? Set.of()
              : new LinkedHashSet<>(List.of(serving.userColumn(), serving.itemColumn(), serving.idColumn(), t.time()));
          Object[] row = JsonValues.row(t, json.getMap(), path, null);
          for (String column : json.fieldNames()) {
            if (fromRequest.contains(column)) {
              throw HttpError.badRequest("column '" + column + "' is set from the request itself", path + "." + column);
            }
            given.put(column, row[t.indexOf(column)]);
          }
        } else if (t.role() == TableDef.Role.EVENT) {
          throw HttpError.badRequest("'values' takes one row of a dimension table or the request table; give rows of"
              + " event table '" + name + "' in 'events'", path);
        } else {
          rows.computeIfAbsent(name, k -> new ArrayList<>()).add(stateRow(t, json, path, time, defaults));
        }
      }
    }
    Object eventsJson = body.getValue("events");
    if (eventsJson != null) {
      if (!(eventsJson instanceof JsonObject events)) {
        throw HttpError.badRequest("expected an object: table -> rows", "events");
      }
      for (String name : events.fieldNames()) {
        String path = "events." + name;
        TableDef t = table(name, path);
        if (t == requestTable) {
          throw HttpError.badRequest("'events' takes rows of event and dimension tables; past requests are ingested"
              + " with POST /events/" + name, path);
        }
        if (!(events.getValue(name) instanceof JsonArray list)) {
          throw HttpError.badRequest("expected an array of rows of table '" + name + "'", path);
        }
        for (int i = 0; i < list.size(); i++) {
          String rowPath = path + "[" + i + "]";
          if (!(list.getValue(i) instanceof JsonObject json)) {
            throw HttpError.badRequest("expected an object: a row of table '" + name + "'", rowPath);
          }
          overlayColumns.check(name, json.fieldNames(), rowPath);
          rows.computeIfAbsent(name, k -> new ArrayList<>()).add(stateRow(t, json, rowPath, time, Map.of()));
        }
      }
    }
    return new Overlay(given, rows);
  }

  private TableDef table(String name, String path) {
    TableDef t = spec.table(name);
    if (t == null) {
      throw HttpError.badRequest("unknown table '" + name + "'; the spec's tables: "
          + spec.tables().stream().map(TableDef::name).toList(), path);
    }
    return t;
  }

  private Object[] stateRow(TableDef t, JsonObject json, String path, Instant time, Map<String, Object> defaults) {
    Object[] row = JsonValues.row(t, json.getMap(), path, null);
    if (t.time() != null) {
      int ti = t.indexOf(t.time());
      if (!json.containsKey(t.time())) {
        row[ti] = t.typeOf(t.time()) == Type.TIMESTAMP ? time : (Object) time.toEpochMilli();
      } else if (row[ti] == null) {
        throw HttpError.badRequest("a row without a time cannot be placed in any window", path + "." + t.time());
      } else {
        notInFuture(t.timeOf(row), path + "." + t.time());
      }
    }
    defaults.forEach((column, value) -> {
      int i = t.indexOf(column);
      if (i >= 0 && !json.containsKey(column) && t.typeOf(column) == requestTable.typeOf(column)) {
        row[i] = value;
      }
    });
    return row;
  }
}
