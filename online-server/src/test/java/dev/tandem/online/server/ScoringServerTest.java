package dev.tandem.online.server;


import dev.tandem.model.Scorer;
import dev.tandem.online.Ingestion;
import dev.tandem.online.JdFixture;
import dev.tandem.online.JsonValues;
import dev.tandem.online.RedisKeys;
import dev.tandem.online.RedisState;
import dev.tandem.online.TinyJdModel;
import dev.tandem.redis.LocalRedis;
import dev.tandem.spec.FeatureSpec;
import dev.tandem.spec.def.FeatureDef;
import dev.tandem.spec.def.TableDef;
import dev.tandem.spec.encoding.Values;
import dev.tandem.spec.eval.ServingPlan;
import dev.tandem.spec.eval.StatePlan;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;


/**
 * The scoring server end to end: a real Redis holding JD-shaped state ingested by
 * {@link Ingestion}, a small DeepFM trained for the JD spec by the model module's trainer, the
 * server on a free loopback port, and a real HTTP client.
 *
 * <p>Expected values never come from the server's own code path: features from the core's
 * evaluate entry over the fixture's rows held in memory, scores from a {@link Scorer} of the same
 * model on the same rows. Scores are compared bit for bit: the server scores all candidates of a
 * call in one batch, so the expected batch has the same rows in the same order (the same batch
 * gives the same bits; a different batch size may differ in the last bits), and a float written
 * to JSON as its shortest decimal reads back to the same float: the tolerance is 0 ulp.
 *
 * <p>Tests that write state (ingestion, request-time values) use keys no other test reads and
 * run last.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ScoringServerTest {
  private static final String TOKEN = "test-token-" + java.util.UUID.randomUUID();
  static Path model;
  static final Instant NOW = JdFixture.T.plus(Duration.ofHours(1));

  @TempDir static Path dir;
  static FeatureSpec spec;
  static ServingPlan serving;
  static JdFixture fixture;
  static LocalRedis redis;
  static RedisState state;
  static RedisKeys keys;
  static long generation;
  static TandemServer server;
  static Scorer scorer;
  static HttpClient http;

  @BeforeAll
  static void start() throws Exception {
    spec = JdFixture.jdSpec();
    serving = spec.serving();
    fixture = JdFixture.create(spec, 42);
    model = TinyJdModel.get(spec, fixture);
    redis = LocalRedis.start(dir.resolve("redis"));
    state = RedisState.connect(redis.uri());
    keys = new RedisKeys(spec.name(), Integer.toString(spec.version()));
    generation = fixture.ingestAsCurrent(spec, state);
    server = TandemServer.start(ServerConfig.of(Map.of("spec", JdFixture.specPath().toString(), "model", model.toString(),
        "redis", redis.uri(), "port", "0", "warmup-batches", "1", "api-token", TOKEN,
        // What the answers are, not how fast a busy machine gives them (64 concurrent calls are compared with serial ones).
        "timeout-ms", "10000", "max-in-flight", "1000")));
    scorer = Scorer.load(model, spec);
    http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
    if (scorer != null) {
      scorer.close();
    }
    if (state != null) {
      state.close();
    }
    if (redis != null) {
      redis.close();
    }
  }

  // ------------------------------------------------------------------ helpers

  record Answer(int status, String body, String contentType, String authenticate) {
    JsonObject json() {
      return new JsonObject(body);
    }
  }

  /** A call with the server's token (the writes and overlays of most tests need it). */
  static Answer send(String method, String path, String body) throws Exception {
    return send(method, path, body, TOKEN);
  }

  static Answer send(String method, String path, String body, String token) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.url() + path)).timeout(Duration.ofSeconds(60));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    if (body == null) {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      b.header("content-type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body));
    }
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    return new Answer(r.statusCode(), r.body(), r.headers().firstValue("content-type").orElse(""),
        r.headers().firstValue("www-authenticate").orElse(""));
  }

  static JsonObject post(String path, JsonObject body) throws Exception {
    Answer a = send("POST", path, body.encode());
    assertThat(path + " " + body + " -> " + a.body(), a.status(), is(200));
    return a.json();
  }

  static Object[] requestRow(String user, String item, Instant at) {
    return serving.requestRow(user, item, at, "expected", Map.of());
  }

  static Object[] expectedFeatures(Object[] request, StatePlan.Lookup lookup) {
    return spec.plan().evaluate(request, Long.MAX_VALUE, lookup);
  }

  static float[] expectedScores(List<Object[]> features) {
    long[][] ids = features.stream().map(f -> spec.modelEncoder().encode(f)).toArray(long[][]::new);
    return scorer.score(ids);
  }

  /** The items the server must answer: rank by score then item text, keep the first n. */
  static List<String> ranked(List<String> items, float[] scores, int n) {
    Integer[] order = new Integer[items.size()];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> scores[a] != scores[b] ? Float.compare(scores[b], scores[a])
        : Values.compareCodePoints(items.get(a), items.get(b)));
    return Arrays.stream(order).limit(n).map(items::get).toList();
  }

  /** The server's features (JSON) read back as typed values, by the spec's output types. */
  static Object[] typed(JsonObject features) {
    List<FeatureDef> defs = spec.features();
    assertThat(features.fieldNames().size(), is(defs.size()));
    Object[] out = new Object[defs.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = JsonValues.fromJson(defs.get(i).type(), features.getValue(defs.get(i).name()), defs.get(i).name());
    }
    return out;
  }

  static void assertSameFeatures(Object[] actual, Object[] expected, Set<String> except) {
    List<FeatureDef> defs = spec.features();
    for (int i = 0; i < defs.size(); i++) {
      if (!except.contains(defs.get(i).name())) {
        assertThat(defs.get(i).name(), actual[i], equalTo(expected[i]));
      }
    }
  }

  /** Features computed from the request id (which the server generates per row). */
  static Set<String> requestIdFeatures() {
    Set<String> names = new LinkedHashSet<>();
    for (FeatureDef f : spec.features()) {
      if (f.expr().equals(serving.idColumn()) || f.name().equals(spec.label())) {
        names.add(f.name());
      }
    }
    return names;
  }

  // ------------------------------------------------------------------ endpoints

  @Test
  @Order(1)
  void healthSaysRedisModelSpecAndGeneration() throws Exception {
    Answer a = send("GET", "/health", null);
    assertThat(a.body(), a.status(), is(200));
    assertThat(a.contentType(), containsString("application/json"));
    JsonObject h = a.json();
    assertThat(h.getString("status"), is("ok"));
    assertThat(h.getJsonObject("redis").getBoolean("reachable"), is(true));
    assertThat(h.getJsonObject("model").getBoolean("loaded"), is(true));
    assertThat("no file path in /health", a.body(), not(containsString(model.toString())));
    assertThat(h.getJsonObject("model").getInteger("inputs"), is(spec.model().inputs().size()));
    assertThat(h.getJsonObject("spec").getString("name"), is("jd"));
    assertThat(h.getJsonObject("spec").getString("sha256"), is(spec.sha256()));
    assertThat(h.getLong("generation"), is(generation));
    assertThat(server.banner(), containsString("tandem serve: listening on " + server.url() + " (spec jd"));
    assertThat(server.banner(), containsString("generation " + generation + ")"));
  }

  @Test
  @Order(1)
  void theModelLearnedThePlantedSignal() {
    System.out.printf("tiny JD model: test AUC %.4f, validation AUC %.4f, %d epochs%n", TinyJdModel.report().test().auc(),
        TinyJdModel.report().best().validationAuc(), TinyJdModel.report().epochs().size());
    assertThat(TinyJdModel.report().test().auc(), greaterThan(0.65));
  }

  @Test
  @Order(2)
  void recommendScoresAreTheScorersScoresOfTheSameRows() throws Exception {
    List<String> candidates = new ArrayList<>();
    for (int s = 0; s < 30; s++) {
      candidates.add(JdFixture.sku(s));
    }
    candidates.add("sku-never-seen"); // cold item: not an error
    List<String> sent = new ArrayList<>(candidates);
    sent.add(JdFixture.sku(3)); // a duplicate is ranked once
    JsonObject answer = post("/recommend", new JsonObject().put("user_id", "u3").put("candidates", new JsonArray(sent))
        .put("n", 100).put("event_time", NOW.toString()));

    StatePlan.Lookup lookup = fixture.lookup();
    List<Object[]> features = candidates.stream().map(c -> expectedFeatures(requestRow("u3", c, NOW), lookup)).toList();
    float[] expected = expectedScores(features);
    Map<String, Float> byItem = new HashMap<>();
    for (int i = 0; i < candidates.size(); i++) {
      byItem.put(candidates.get(i), expected[i]);
    }
    JsonArray items = answer.getJsonArray("items");
    assertThat(items.size(), is(candidates.size()));
    assertThat(answer.getInteger("candidates"), is(candidates.size()));
    assertThat(answer.getLong("generation"), is(generation));
    assertThat(answer.getString("request_time"), is(NOW.toString()));
    List<String> order = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      JsonObject item = items.getJsonObject(i);
      float score = item.getDouble("score").floatValue();
      assertThat(item.getString("item") + " (0 ulp)", Float.floatToIntBits(score),
          is(Float.floatToIntBits(byItem.get(item.getString("item")))));
      order.add(item.getString("item"));
    }
    assertThat(order, equalTo(ranked(candidates, expected, 100)));
    // The model was trained on a planted signal: scores differ between items.
    assertThat(new LinkedHashSet<>(byItem.values()).size(), greaterThan(3));

    JsonObject top5 = post("/recommend", new JsonObject().put("user_id", "u3").put("candidates", new JsonArray(sent))
        .put("n", 5).put("event_time", NOW.toString()));
    List<String> first5 = top5.getJsonArray("items").stream().map(o -> ((JsonObject) o).getString("item")).toList();
    assertThat(first5, equalTo(order.subList(0, 5)));
  }

  @Test
  @Order(2)
  void concurrentCallsGetTheSameAnswersAsOne() throws Exception {
    List<String> bodies = new ArrayList<>();
    for (int u = 0; u < 8; u++) {
      bodies.add(new JsonObject().put("user_id", JdFixture.user(u)).put("candidates", new JsonArray(List.of("s1", "s2", "s3",
          "s4", "s5", "s6", "s7", "s8"))).put("event_time", NOW.toString()).encode());
    }
    Map<String, String> serial = new HashMap<>();
    for (String b : bodies) {
      serial.put(b, post("/recommend", new JsonObject(b)).getJsonArray("items").encode());
    }
    List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      String b = bodies.get(i % bodies.size());
      calls.add(http.sendAsync(HttpRequest.newBuilder(URI.create(server.url() + "/recommend"))
          .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(b)).build(),
          HttpResponse.BodyHandlers.ofString()));
    }
    for (int i = 0; i < calls.size(); i++) {
      HttpResponse<String> r = calls.get(i).get(60, java.util.concurrent.TimeUnit.SECONDS);
      assertThat(r.body(), r.statusCode(), is(200));
      assertThat(new JsonObject(r.body()).getJsonArray("items").encode(), is(serial.get(bodies.get(i % bodies.size()))));
    }
  }

  @Test
  @Order(3)
  void recommendWithoutCandidatesRecallsRecentThenPopularItems() throws Exception {
    String user = "u2";
    JsonObject answer = post("/recommend", new JsonObject().put("user_id", user).put("n", 1000).put("event_time", NOW.toString()));

    // Recent: the user's past requested skus, newest first; popular: request rows per sku over the last 7 days.
    TableDef request = spec.plan().requestTable();
    List<Object[]> past = fixture.rows.get(request.name()).stream()
        .filter(r -> user.equals(r[request.indexOf("user_id")])).toList();
    List<String> recent = new ArrayList<>();
    for (int i = past.size() - 1; i >= 0; i--) {
      String sku = (String) past.get(i)[request.indexOf("sku_id")];
      if (!recent.contains(sku) && recent.size() < serving.recentLimit()) {
        recent.add(sku);
      }
    }
    long today = LocalDate.ofInstant(NOW, spec.timezone()).toEpochDay();
    Map<String, Integer> counts = new HashMap<>();
    for (Object[] r : fixture.rows.get(request.name())) {
      long day = LocalDate.ofInstant((Instant) r[request.indexOf("eventTime")], spec.timezone()).toEpochDay();
      if (day > today - serving.popularDays() && day <= today) {
        counts.merge((String) r[request.indexOf("sku_id")], 1, Integer::sum);
      }
    }
    List<String> popular = counts.entrySet().stream()
        .sorted(Map.Entry.<String, Integer>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
        .limit(serving.popularLimit()).map(Map.Entry::getKey).toList();
    List<String> candidates = new ArrayList<>(new LinkedHashSet<>(recent));
    popular.stream().filter(p -> !candidates.contains(p)).forEach(candidates::add);
    assertThat(recent.isEmpty(), is(false));

    StatePlan.Lookup lookup = fixture.lookup();
    float[] expected = expectedScores(candidates.stream().map(c -> expectedFeatures(requestRow(user, c, NOW), lookup)).toList());
    assertThat(answer.getInteger("candidates"), is(candidates.size()));
    List<String> got = new ArrayList<>();
    Map<String, Float> byItem = new HashMap<>();
    for (int i = 0; i < candidates.size(); i++) {
      byItem.put(candidates.get(i), expected[i]);
    }
    for (Object o : answer.getJsonArray("items")) {
      JsonObject item = (JsonObject) o;
      got.add(item.getString("item"));
      assertThat(item.getString("item"), Float.floatToIntBits(item.getDouble("score").floatValue()),
          is(Float.floatToIntBits(byItem.get(item.getString("item")))));
    }
    assertThat(got, equalTo(ranked(candidates, expected, 1000)));
  }

  @Test
  @Order(4)
  void featuresEqualTheCoresEvaluationOfTheSameState() throws Exception {
    StatePlan.Lookup lookup = fixture.lookup();
    // A whole request row: every feature equal, ids included.
    TableDef request = spec.plan().requestTable();
    Object[] row = fixture.row(request.name(), Map.of("reqId", "req-1", "eventTime", NOW, "main_id", "m1",
        "pair_id", "u4_s6", "user_id", "u4", "sku_id", "s6", "time", NOW.toEpochMilli(), "split_id", 2, "time1", "x"));
    JsonObject answer = post("/features", new JsonObject().put("row", new JsonObject(JsonValues.toJson(request, row))));
    Object[] expected = expectedFeatures(row, lookup);
    assertSameFeatures(typed(answer.getJsonObject("features")), expected, Set.of());
    assertThat(answer.getJsonArray("model_ids").stream().map(o -> ((Number) o).longValue()).toList(),
        equalTo(Arrays.stream(spec.modelEncoder().encode(expected)).boxed().toList()));
    assertThat(answer.getLong("generation"), is(generation));

    // The serving form, for every user and some skus: the row the server built, then its features.
    for (int u = 0; u < JdFixture.USERS - 1; u++) {
      for (int s : new int[] {0, 7, 21, JdFixture.SKUS - 2}) {
        JsonObject a = post("/features", new JsonObject().put("user_id", JdFixture.user(u)).put("sku_id", JdFixture.sku(s))
            .put("event_time", NOW.toString()));
        Object[] used = JsonValues.row(request, a.getJsonObject("request").getMap(), "request", null);
        assertThat(used[request.indexOf("pair_id")], is(JdFixture.user(u) + "_" + JdFixture.sku(s)));
        assertThat(used[request.indexOf("time")], is(NOW.toEpochMilli()));
        Object[] f = expectedFeatures(used, lookup);
        assertSameFeatures(typed(a.getJsonObject("features")), f, Set.of());
      }
    }
  }

  @Test
  @Order(5)
  void predictIsTheScorersProbabilityOfTheRow() throws Exception {
    TableDef request = spec.plan().requestTable();
    Object[] row = fixture.row(request.name(), Map.of("reqId", "req-2", "eventTime", NOW, "pair_id", "u7_s9",
        "user_id", "u7", "sku_id", "s9", "time", NOW.toEpochMilli()));
    JsonObject body = new JsonObject(JsonValues.toJson(request, row));
    body.remove("main_id"); // columns not given are NULL
    JsonObject answer = post("/predict", body);
    float expected = expectedScores(List.<Object[]>of(expectedFeatures(row, fixture.lookup())))[0];
    assertThat(Float.floatToIntBits(answer.getDouble("probability").floatValue()), is(Float.floatToIntBits(expected)));
  }

  @Test
  @Order(6)
  void coldUsersAndItemsGetTheFeaturesOfEmptyState() throws Exception {
    JsonObject answer = post("/recommend", new JsonObject().put("user_id", "nobody").put("candidates",
        new JsonArray().add("nothing").add("s1")).put("event_time", NOW.toString()));
    assertThat(answer.getJsonArray("items").size(), is(2));
    JsonObject recalled = post("/recommend", new JsonObject().put("user_id", "nobody").put("event_time", NOW.toString()));
    assertThat(recalled.getInteger("candidates"), greaterThan(0)); // popular items only
    JsonObject f = post("/features", new JsonObject().put("user_id", "nobody").put("sku_id", "nothing")
        .put("event_time", NOW.toString()));
    assertThat(f.getJsonObject("features").getValue("bo_user_age_multi_direct_9"), nullValue());
    assertThat(f.getJsonObject("features").getLong("flattenRequest_pair_id_window_unique_count_27"), is(1L));
  }

  @Test
  @Order(7)
  void openapiDocumentParsesAndDescribesEveryRoute() throws Exception {
    Answer a = send("GET", "/openapi.json", null);
    assertThat(a.status(), is(200));
    JsonObject doc = a.json();
    assertThat(doc.getString("openapi"), is("3.1.0"));
    JsonObject paths = doc.getJsonObject("paths");
    Map<String, String> routes = Map.of("/recommend", "post", "/predict", "post", "/features", "post",
        "/events/{table}", "post", "/health", "get", "/health/live", "get", "/health/ready", "get", "/metrics", "get",
        "/openapi.json", "get", "/admin/reload", "post");
    routes.forEach((path, method) -> {
      JsonObject op = paths.getJsonObject(path) == null ? null : paths.getJsonObject(path).getJsonObject(method);
      assertThat(path, op, notNullValue());
      assertThat(path, op.getJsonObject("responses").containsKey("200"), is(true));
      if (method.equals("post")) {
        assertThat(path, op.getJsonObject("responses").containsKey("400"), is(true));
      }
    });
    assertThat(paths.size(), is(routes.size()));
    JsonObject schemas = doc.getJsonObject("components").getJsonObject("schemas");
    assertThat(schemas.getJsonObject("RecommendRequest").getJsonObject("properties").containsKey("user_id"), is(true));
    assertThat(schemas.getJsonObject("RequestRow").getJsonObject("properties").fieldNames(),
        equalTo(new LinkedHashSet<>(spec.plan().requestTable().names())));
    for (TableDef t : spec.tables()) {
      assertThat(t.name(), schemas.containsKey("Row_" + t.name()), is(true));
    }
    // The document the server serves is one vertx-openapi accepts as a contract.
    io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
    try {
      io.vertx.openapi.contract.OpenAPIContract contract = io.vertx.openapi.contract.OpenAPIContract.from(vertx, doc)
          .toCompletionStage().toCompletableFuture().get();
      assertThat(contract.operations().size(), is(routes.size()));
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get();
    }
  }

  // One sample line of the text exposition format: name, optional labels, value, optional timestamp.
  static final Pattern SAMPLE = Pattern.compile(
      "[a-zA-Z_:][a-zA-Z0-9_:]*(\\{([a-zA-Z_][a-zA-Z0-9_]*=\"(\\\\.|[^\"\\\\])*\")(,[a-zA-Z_][a-zA-Z0-9_]*=\"(\\\\.|[^\"\\\\])*\")*,?\\})?"
          + " (-?[0-9]+(\\.[0-9]+)?([eE][+-]?[0-9]+)?|NaN|\\+Inf|-Inf)( -?[0-9]+)?");
  static final Pattern COMMENT = Pattern.compile(
      "# (HELP [a-zA-Z_:][a-zA-Z0-9_:]* .*|TYPE [a-zA-Z_:][a-zA-Z0-9_:]* (counter|gauge|histogram|summary|untyped))");

  @Test
  @Order(8)
  void metricsAreValidPrometheusText() throws Exception {
    send("GET", "/health", null);
    post("/recommend", new JsonObject().put("user_id", "u1").put("candidates", new JsonArray().add("s1").add("s2"))
        .put("event_time", NOW.toString()));
    Answer a = send("GET", "/metrics", null);
    assertThat(a.status(), is(200));
    assertThat(a.contentType(), containsString("text/plain"));
    String[] lines = a.body().split("\n");
    Map<String, String> types = new HashMap<>();
    for (String line : lines) {
      if (line.isEmpty()) {
        continue;
      }
      if (line.startsWith("#")) {
        assertThat(line, COMMENT.matcher(line).matches(), is(true));
        if (line.startsWith("# TYPE ")) {
          String[] parts = line.split(" ");
          assertThat("one TYPE per metric: " + parts[2], types.put(parts[2], parts[3]), nullValue());
        }
      } else {
        assertThat(line, SAMPLE.matcher(line).matches(), is(true));
      }
    }
    assertThat(types.get("vertx_http_server_response_time_seconds"), is("histogram"));
    assertThat(types.get("tandem_redis_fetch_seconds"), is("histogram"));
    assertThat(types.get("tandem_model_score_seconds"), is("histogram"));
    assertThat(types.get("tandem_model_batch_rows"), is("histogram"));
    String body = a.body();
    String http = Arrays.stream(lines).filter(l -> l.startsWith("vertx_http_server_re")).collect(Collectors.joining("\n"));
    assertThat(http, containsString("vertx_http_server_requests_total{code=\"200\",method=\"POST\",route=\"/recommend\"}"));
    assertThat(http, containsString("vertx_http_server_response_time_seconds_bucket{code=\"200\",method=\"GET\",route=\"/health\""));
    assertThat(body, containsString("tandem_redis_fetch_seconds_count "));
    assertThat(body, containsString("tandem_features_seconds_count "));
    assertThat(body, containsString("tandem_model_batch_rows_sum "));
  }

  // ------------------------------------------------------------------ bad input

  record Bad(String what, String method, String path, String body, int status, String field, String message) {}

  @Test
  void writesAndOverlaysNeedTheBearerToken() throws Exception {
    String event = new JsonObject().put("rows", new JsonArray()).encode();
    for (String token : new String[] {null, "not-the-token-at-all", TOKEN + "x"}) {
      Answer refused = send("POST", "/events/bo_comment", event, token);
      assertThat(refused.body(), refused.status(), is(401));
      assertThat(refused.authenticate(), is("Bearer"));
      assertThat(refused.json().getString("field"), is("Authorization"));
      assertThat(refused.body(), not(containsString(TOKEN)));
    }
    assertThat(send("POST", "/events/bo_comment", event, TOKEN).status(), is(200));
    JsonObject plain = new JsonObject().put("user_id", "u1").put("candidates", new JsonArray().add("s1"))
        .put("event_time", NOW.toString());
    assertThat("reads need no token", send("POST", "/recommend", plain.encode(), null).status(), is(200));
    JsonObject overlay = plain.copy().put("values", new JsonObject().put("bo_user", new JsonObject().put("user_id", "u1")));
    Answer refused = send("POST", "/recommend", overlay.encode(), null);
    assertThat(refused.body(), refused.status(), is(401));
    assertThat(refused.json().getString("field"), is("values"));
    JsonObject features = new JsonObject().put("user_id", "u1").put("sku_id", "s1").put("event_time", NOW.toString());
    Answer events = send("POST", "/features", features.put("events", new JsonObject()).encode(), null);
    assertThat(events.body(), events.status(), is(401));
    assertThat(events.json().getString("field"), is("events"));
    assertThat(send("POST", "/recommend", overlay.encode(), TOKEN).status(), is(200));
  }

  @Test
  @Order(9)
  void badInputIsA4xxNamingTheFieldAndTheServerStillAnswers() throws Exception {
    String far = Instant.now().plus(Duration.ofDays(30)).toString(); // the limit: now + 1 day
    StringBuilder tenMegabytes = new StringBuilder("{\"user_id\": \"u1\", \"candidates\": [");
    while (tenMegabytes.length() < 10 << 20) {
      tenMegabytes.append("\"s1234567890\",");
    }
    tenMegabytes.append("\"s1\"]}");
    JsonArray many = new JsonArray();
    for (int i = 0; i < 100_000; i++) {
      many.add("s" + (i % 10));
    }
    String manyCandidates = new JsonObject().put("user_id", "u1").put("candidates", many).encode();
    List<Bad> cases = List.of(
        new Bad("invalid JSON", "POST", "/recommend", "{\"user_id\": \"u1\", ", 400, "body", "not valid JSON"),
        new Bad("not an object", "POST", "/recommend", "[1, 2]", 400, "body", "Expected object"),
        new Bad("empty body", "POST", "/recommend", "", 400, "body", "body"),
        new Bad("missing field", "POST", "/recommend", "{\"candidates\": [\"s1\"]}", 400, "user_id", "required"),
        new Bad("wrong type", "POST", "/recommend", "{\"user_id\": \"u1\", \"n\": \"ten\"}", 400, "n", "Expected integer"),
        new Bad("wrong type of a candidate", "POST", "/recommend", "{\"user_id\": \"u1\", \"candidates\": [\"s1\", 7]}", 400,
            "candidates[1]", "Expected string"),
        new Bad("wrong type of a value", "POST", "/recommend",
            "{\"user_id\": \"u1\", \"values\": {\"bo_user\": {\"age\": 5}}}", 400, "values.bo_user.age", "Expected string"),
        new Bad("unknown field", "POST", "/recommend", "{\"user_id\": \"u1\", \"colour\": \"red\"}", 400, "colour", "unknown field 'colour'"),
        new Bad("unknown table in values", "POST", "/recommend", "{\"user_id\": \"u1\", \"values\": {\"nope\": {}}}", 400,
            "values.nope", "unknown table 'nope'"),
        new Bad("unknown table in events", "POST", "/features",
            "{\"user_id\": \"u1\", \"sku_id\": \"s1\", \"events\": {\"nope\": []}}", 400, "events.nope", "unknown table 'nope'"),
        new Bad("unknown table to ingest", "POST", "/events/nope", "{\"rows\": []}", 404, "table", "unknown table 'nope'"),
        new Bad("unknown column in values", "POST", "/recommend",
            "{\"user_id\": \"u1\", \"values\": {\"bo_user\": {\"agee\": \"1\"}}}", 400, "values.bo_user.agee", "unknown column 'agee'"),
        new Bad("unknown column in a request row", "POST", "/predict",
            "{\"eventTime\": \"2016-04-10T03:00:00Z\", \"bogus\": 1}", 400, "bogus", "unknown column 'bogus'"),
        new Bad("unknown column in an ingested row", "POST", "/events/bo_comment",
            "{\"rows\": [{\"event_id\": \"e1\", \"ingestionTime\": 1460250000000, \"sku\": \"s1\"}]}", 400, "rows[0].sku", "unknown column 'sku'"),
        new Bad("event without id", "POST", "/events/bo_comment",
            "{\"rows\": [{\"ingestionTime\": 1460250000000, \"sku_id\": \"s1\"}]}", 400, "rows[0].event_id", "required"),
        new Bad("int out of range", "POST", "/predict",
            "{\"eventTime\": \"2016-04-10T03:00:00Z\", \"split_id\": 30000000000}", 400, "split_id", "greater than 2147483647"),
        new Bad("bad timestamp text", "POST", "/predict", "{\"eventTime\": \"yesterday\"}", 400, "eventTime", "expected a timestamp"),
        new Bad("request row without time", "POST", "/predict", "{\"user_id\": \"u1\"}", 400, "eventTime", "required"),
        new Bad("10 MB body", "POST", "/recommend", tenMegabytes.toString(), 413, "body", "larger than 1048576 bytes"),
        new Bad("100 k candidates", "POST", "/recommend", manyCandidates, 400, "candidates", "at most 1000"),
        new Bad("negative n", "POST", "/recommend", "{\"user_id\": \"u1\", \"n\": -1}", 400, "n", "less than 0"),
        new Bad("n above the limit", "POST", "/recommend", "{\"user_id\": \"u1\", \"n\": 1000000}", 400, "n", "greater than 1000"),
        new Bad("far-future event time", "POST", "/recommend",
            "{\"user_id\": \"u1\", \"candidates\": [\"s1\"], \"event_time\": \"" + far + "\"}", 400, "event_time", "ahead of the clock"),
        new Bad("far-future event row", "POST", "/features",
            "{\"user_id\": \"u1\", \"sku_id\": \"s1\", \"events\": {\"bo_comment\": [{\"ingestionTime\": \"" + far + "\"}]}}",
            400, "events.bo_comment[0].ingestionTime", "ahead of the clock"),
        new Bad("far-future ingested row", "POST", "/events/bo_comment",
            "{\"rows\": [{\"event_id\": \"e1\", \"ingestionTime\": \"" + far + "\", \"sku_id\": \"s1\"}]}", 400,
            "rows[0].ingestionTime", "ahead of the clock"),
        new Bad("far-future request row", "POST", "/predict", "{\"eventTime\": \"" + far + "\"}", 400, "eventTime", "ahead of the clock"),
        new Bad("event rows in values", "POST", "/recommend",
            "{\"user_id\": \"u1\", \"values\": {\"bo_action\": {\"type\": \"1\"}}}", 400, "values.bo_action", "cannot be given in 'values'"),
        new Bad("a request column set from the request", "POST", "/recommend",
            "{\"user_id\": \"u1\", \"values\": {\"flattenRequest_clean\": {\"sku_id\": \"s1\"}}}", 400,
            "values.flattenRequest_clean.sku_id", "set from the request itself"),
        new Bad("no such route", "GET", "/nope", null, 404, "path", "no route GET /nope"),
        new Bad("wrong method", "DELETE", "/recommend", null, 405, "method", "not allowed"));
    for (Bad bad : cases) {
      Answer a = send(bad.method(), bad.path(), bad.body());
      assertThat(bad.what() + ": " + a.body(), a.status(), is(bad.status()));
      JsonObject error = a.json();
      assertThat(bad.what(), error.getString("error"), notNullValue());
      assertThat(bad.what() + ": " + a.body(), error.getString("field"), is(bad.field()));
      assertThat(bad.what(), error.getString("error"), containsString(bad.message()));
      assertThat(bad.what(), a.body(), not(containsString("Exception")));
      assertThat(bad.what(), a.body(), not(containsString("\tat ")));
      assertThat(bad.what(), send("GET", "/health", null).status(), is(200));
    }
    // Not JSON at all (another content type).
    HttpResponse<String> text = http.send(HttpRequest.newBuilder(URI.create(server.url() + "/recommend"))
        .header("content-type", "text/plain").POST(HttpRequest.BodyPublishers.ofString("hello")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(text.body(), text.statusCode(), is(400));
    assertThat(new JsonObject(text.body()).getString("field"), is("body"));
    assertThat(send("GET", "/health", null).status(), is(200));
  }

  // ------------------------------------------------------------------ state-writing tests (last)

  @Test
  @Order(20)
  void eventsAreIngestedWithAStatusPerRow() throws Exception {
    String pair = "u-events_s0";
    JsonObject row = new JsonObject().put("event_id", "a1").put("ingestionTime", JdFixture.T.toString()).put("pair_id", pair)
        .put("time", JdFixture.T.toEpochMilli()).put("model_id", "m1").put("type", "1");
    JsonObject late = row.copy().put("event_id", "a2").put("ingestionTime", JdFixture.T.minus(Duration.ofDays(30)).toString());
    JsonObject noTime = row.copy().put("event_id", "a3").putNull("ingestionTime");
    JsonObject answer = post("/events/bo_action", new JsonObject().put("rows", new JsonArray().add(row).add(late).add(noTime)));
    assertThat(answer.getLong("generation"), is(generation));
    List<String> statuses = answer.getJsonArray("results").stream().map(o -> ((JsonObject) o).getString("status")).toList();
    assertThat(statuses, equalTo(List.of("accepted", "late", "rejected")));
    assertThat(answer.getJsonArray("results").getJsonObject(2).getString("reason"), containsString("ingestionTime"));
    JsonObject again = post("/events/bo_action", new JsonObject().put("rows", new JsonArray().add(row)));
    assertThat(again.getJsonArray("results").getJsonObject(0).getString("status"), is("duplicate"));
    assertThat(again.getJsonObject("counts").getInteger("duplicate"), is(1));
    String metrics = send("GET", "/metrics", null).body();
    assertThat(metrics, containsString("tandem_events_rows_total{status=\"accepted\",table=\"bo_action\"}"));
  }

  @Test
  @Order(21)
  void requestTimeValuesChangeFeaturesExactlyAsIngestingThemFirst() throws Exception {
    // Keys no other test reads: a warm user and sku (u19, s39) and a cold pair.
    String user = JdFixture.user(JdFixture.USERS - 1);
    String warmSku = JdFixture.sku(JdFixture.SKUS - 1);
    String coldSku = "s-live";
    Instant at = NOW;
    JsonObject values = new JsonObject()
        .put("bo_user", new JsonObject().put("age", "9").put("sex", "1").put("user_lv_cd", "5"))
        .put("bo_product", new JsonObject().put("sku_id", coldSku).put("a1", "7").put("a2", "1").put("a3", "2")
            .put("cate", "8").put("br", "b9"))
        .put("flattenRequest_clean", new JsonObject().put("main_id", "live").put("split_id", 3));
    JsonObject events = new JsonObject()
        .put("bo_action", new JsonArray()
            .add(new JsonObject().put("pair_id", user + "_" + warmSku).put("model_id", "m-live").put("type", "2")
                .put("time", at.toEpochMilli()))
            .add(new JsonObject().put("pair_id", user + "_" + coldSku).put("model_id", "m-live").put("type", "2")
                .put("ingestionTime", at.minusSeconds(60).toString())))
        .put("bo_comment", new JsonArray()
            .add(new JsonObject().put("sku_id", warmSku).put("comment_num", 4).put("has_bad_comment", "1")
                .put("bad_comment_rate", 0.25).put("ingestionTime", at.minusSeconds(5).toString()))
            .add(new JsonObject().put("sku_id", coldSku).put("comment_num", 1).put("has_bad_comment", "0")
                .put("bad_comment_rate", 0.5)));
    JsonObject given = new JsonObject().put("flattenRequest_clean", values.getJsonObject("flattenRequest_clean"));
    Set<String> ids = requestIdFeatures();

    Map<String, Object[]> before = new LinkedHashMap<>();
    Map<String, Object[]> overlaid = new LinkedHashMap<>();
    for (String sku : List.of(warmSku, coldSku)) {
      JsonObject base = new JsonObject().put("user_id", user).put("sku_id", sku).put("event_time", at.toString());
      before.put(sku, typed(post("/features", base.copy().put("values", given)).getJsonObject("features")));
      overlaid.put(sku, typed(post("/features", base.copy().put("values", values).put("events", events))
          .getJsonObject("features")));
    }
    JsonObject recommendBody = new JsonObject().put("user_id", user).put("candidates", new JsonArray().add(warmSku).add(coldSku))
        .put("event_time", at.toString()).put("n", 10);
    JsonObject rankedOverlaid = post("/recommend", recommendBody.copy().put("values", values).put("events", events));
    // The overlay changed features (the test would prove nothing otherwise).
    for (String sku : before.keySet()) {
      assertThat(sku, Arrays.equals(before.get(sku), overlaid.get(sku)), is(false));
    }

    // Now really ingest the same rows (times and keys spelled out as the overlay defaulted them), then ask again.
    ingest("bo_user", new JsonObject().put("ingestionTime", at.toString()).put("user_id", user).put("age", "9").put("sex", "1")
        .put("user_lv_cd", "5"));
    ingest("bo_product", values.getJsonObject("bo_product").copy().put("ingestionTime", at.toString()));
    ingest("bo_action", events.getJsonArray("bo_action").getJsonObject(0).copy().put("ingestionTime", at.toString()),
        events.getJsonArray("bo_action").getJsonObject(1));
    ingest("bo_comment", events.getJsonArray("bo_comment").getJsonObject(0),
        events.getJsonArray("bo_comment").getJsonObject(1).copy().put("ingestionTime", at.toString()));
    for (String sku : List.of(warmSku, coldSku)) {
      JsonObject base = new JsonObject().put("user_id", user).put("sku_id", sku).put("event_time", at.toString());
      Object[] after = typed(post("/features", base.put("values", given)).getJsonObject("features"));
      assertSameFeatures(after, overlaid.get(sku), ids);
    }
    JsonObject rankedAfter = post("/recommend", recommendBody.copy().put("values", given));
    assertThat(rankedAfter.getJsonArray("items"), equalTo(rankedOverlaid.getJsonArray("items")));
  }

  private static int eventIds;

  private static void ingest(String table, JsonObject... rows) throws Exception {
    JsonArray list = new JsonArray();
    for (JsonObject r : rows) {
      list.add(r.copy().put("event_id", "live-" + (eventIds++)));
    }
    JsonObject answer = post("/events/" + table, new JsonObject().put("rows", list));
    for (Object r : answer.getJsonArray("results")) {
      assertThat(table + ": " + answer, ((JsonObject) r).getString("status"), is("accepted"));
    }
    assertThat(answer.getJsonArray("results").size(), is(rows.length));
  }
}
