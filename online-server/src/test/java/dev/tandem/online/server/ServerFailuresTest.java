package dev.tandem.online.server;


import dev.tandem.online.JdFixture;
import dev.tandem.online.RedisKeys;
import dev.tandem.online.RedisState;
import dev.tandem.online.TinyJdModel;
import dev.tandem.redis.LocalRedis;
import dev.tandem.spec.FeatureSpec;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertThrows;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;


/**
 * Configured limits, a call that outlives the timeout, and Redis going away: each answered with
 * a JSON error (413, 400, 503), never a stack trace; /health says 503 while Redis is gone.
 */
class ServerFailuresTest {
  @TempDir Path dir;

  @Test
  void limitsTimeoutsAndALostRedis() throws Exception {
    FeatureSpec spec = JdFixture.jdSpec();
    Path model = TinyJdModel.get(spec, JdFixture.create(spec, 42));
    LocalRedis redis = LocalRedis.start(dir.resolve("redis"));
    try (RedisState state = RedisState.connect(redis.uri())) {
      RedisKeys keys = new RedisKeys(spec.name(), Integer.toString(spec.version()));
      state.set(keys.currentKey(), "7".getBytes());
    }
    HttpClient http = HttpClient.newHttpClient();
    try (TandemServer server = TandemServer.start(ServerConfig.of(Map.of("spec", JdFixture.specPath().toString(),
        "model", model.toString(), "redis", redis.uri(), "port", "0", "warmup-batches", "0", "timeout-ms", "400",
        "max-body-bytes", "2048", "max-candidates", "5", "workers", "1")))) {
      String ok = "{\"user_id\": \"u1\", \"candidates\": [\"s1\", \"s2\"], \"event_time\": \"2016-04-10T03:00:00Z\"}";
      HttpResponse<String> fine = post(http, server, ok);
      assertThat(fine.body(), fine.statusCode(), is(200));
      assertThat(new JsonObject(fine.body()).getLong("generation"), is(7L));

      HttpResponse<String> large = post(http, server, "{\"user_id\": \"" + "x".repeat(3000) + "\"}");
      assertThat(large.body(), large.statusCode(), is(413));
      assertThat(new JsonObject(large.body()).getString("error"), containsString("larger than 2048 bytes"));
      HttpResponse<String> many = post(http, server, "{\"user_id\": \"u1\", \"candidates\": [\"a\",\"b\",\"c\",\"d\",\"e\",\"f\"]}");
      assertThat(many.body(), many.statusCode(), is(400));
      assertThat(new JsonObject(many.body()).getString("field"), is("candidates"));

      // Redis stalls (every client paused for 1.5 s): calls are answered 503 at their deadline, and the one queued
      // behind the stalled call on the only worker is skipped when the worker frees, not run for nobody.
      try (Jedis admin = redis.admin()) {
        admin.clientPause(1500);
      }
      CompletableFuture<HttpResponse<String>> stalled = CompletableFuture.supplyAsync(() -> {
        try {
          return post(http, server, ok);
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      HttpResponse<String> queued = post(http, server, ok);
      for (HttpResponse<String> slow : List.of(stalled.get(10, TimeUnit.SECONDS), queued)) {
        assertThat(slow.body(), slow.statusCode(), is(503));
        assertThat(new JsonObject(slow.body()).getString("error"), is("the call passed its deadline of 400 ms"));
      }
      Thread.sleep(1500);
      assertThat(get(http, server, "/health").statusCode(), is(200));
      assertThat(get(http, server, "/metrics").body(),
          containsString("tandem_deadline_exceeded_total{stage=\"waiting for a worker\"} 1.0"));

      // Redis gone: /health is 503, calls are 503 with a message, the server keeps answering.
      redis.close();
      HttpResponse<String> health = get(http, server, "/health");
      assertThat(health.body(), health.statusCode(), is(503));
      JsonObject h = new JsonObject(health.body());
      assertThat(h.getString("status"), is("unavailable"));
      assertThat(h.getJsonObject("redis").getBoolean("reachable"), is(false));
      HttpResponse<String> lost = post(http, server, ok);
      assertThat(lost.body(), lost.statusCode(), is(503));
      assertThat(new JsonObject(lost.body()).getString("error"), is("the state store (Redis) is unreachable"));
      assertThat(lost.body(), not(containsString("Exception")));
      assertThat(get(http, server, "/metrics").statusCode(), is(200));
      // No api-token configured: writes are off, not open.
      HttpResponse<String> write = http.send(HttpRequest.newBuilder(URI.create(server.url() + "/events/bo_comment"))
          .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"rows\": []}")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(write.body(), write.statusCode(), is(403));
      assertThat(write.body(), containsString("no api-token"));
      // Liveness does not depend on Redis (an orchestrator must not restart every instance); readiness does.
      assertThat(get(http, server, "/health/live").statusCode(), is(200));
      assertThat(get(http, server, "/health/ready").statusCode(), is(503));
    } finally {
      redis.close();
    }
  }

  @Test
  void excessCallsAreRefusedAndShutdownLetsTheRequestsInFlightFinish() throws Exception {
    FeatureSpec spec = JdFixture.jdSpec();
    Path model = TinyJdModel.get(spec, JdFixture.create(spec, 42));
    try (LocalRedis redis = LocalRedis.start(dir.resolve("redis-shutdown"))) {
      try (RedisState state = RedisState.connect(redis.uri())) {
        state.set(new RedisKeys(spec.name(), Integer.toString(spec.version())).currentKey(), "7".getBytes());
      }
      // HTTP/1.1, as a load balancer speaks: JDK 17's client fails the streams still open when an HTTP/2 server
      // sends GOAWAY (the graceful shutdown's notice), though the server lets them finish.
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      TandemServer server = TandemServer.start(ServerConfig.of(Map.of("spec", JdFixture.specPath().toString(),
          "model", model.toString(), "redis", redis.uri(), "port", "0", "warmup-batches", "0", "timeout-ms", "2000",
          "write-timeout-ms", "2000", "shutdown-grace-ms", "5000", "idle-timeout-ms", "2500", "max-in-flight", "1")));
      String url = server.url();
      assertThat(get(http, server, "/health/ready").statusCode(), is(200));
      assertThat(get(http, server, "/health/live").body(), containsString("live"));
      // A client that connects and sends nothing loses its socket after the idle timeout.
      try (java.net.Socket idle = new java.net.Socket("127.0.0.1", server.port())) {
        idle.setSoTimeout(10_000);
        assertThat(idle.getInputStream().read(), is(-1));
      }
      String body = "{\"user_id\": \"u1\", \"candidates\": [\"s1\"], \"event_time\": \"2016-04-10T03:00:00Z\"}";
      // Redis pauses its clients for 1.5 s, so this call is in flight when the shutdown begins.
      try (Jedis admin = redis.admin()) {
        admin.clientPause(1500);
      }
      CompletableFuture<HttpResponse<String>> inFlight = CompletableFuture.supplyAsync(() -> {
        try {
          return post(http, server, body);
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      Thread.sleep(300);
      // At its limit of one call in flight, the server refuses the next at once rather than queueing it.
      HttpResponse<String> excess = post(http, server, body);
      assertThat(excess.body(), excess.statusCode(), is(503));
      assertThat(excess.headers().firstValue("Retry-After").orElse(""), is("1"));
      assertThat(excess.body(), containsString("limit of 1 calls in flight"));
      // The router serves /recommend/ as /recommend: admission counts it the same.
      HttpResponse<String> slash = http.send(HttpRequest.newBuilder(URI.create(url + "/recommend/"))
          .timeout(Duration.ofSeconds(30)).header("content-type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(slash.body(), slash.statusCode(), is(503));
      assertThat(slash.body(), containsString("limit of 1 calls in flight"));
      server.close();
      HttpResponse<String> finished = inFlight.get(10, TimeUnit.SECONDS);
      assertThat(finished.body(), finished.statusCode(), is(200));
      assertThat(new JsonObject(finished.body()).getLong("generation"), is(7L));
      HttpClient fresh = HttpClient.newHttpClient();
      assertThrows(java.io.IOException.class, () -> fresh.send(HttpRequest.newBuilder(URI.create(url + "/health/live"))
          .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()));
    }
  }

  @Test
  void callsThatCannotFinishWithinTheirDeadlineAreRefusedAtOnce() throws Exception {
    FeatureSpec spec = JdFixture.jdSpec();
    Path model = TinyJdModel.get(spec, JdFixture.create(spec, 42));
    try (LocalRedis redis = LocalRedis.start(dir.resolve("redis-admission"))) {
      try (RedisState state = RedisState.connect(redis.uri())) {
        state.set(new RedisKeys(spec.name(), Integer.toString(spec.version())).currentKey(), "7".getBytes());
      }
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      try (TandemServer server = TandemServer.start(ServerConfig.of(Map.of("spec", JdFixture.specPath().toString(),
          "model", model.toString(), "redis", redis.uri(), "port", "0", "warmup-batches", "0", "timeout-ms", "1000",
          "workers", "1", "max-in-flight", "8")))) {
        String body = "{\"user_id\": \"u1\", \"candidates\": [\"s1\"], \"event_time\": \"2016-04-10T03:00:00Z\"}";
        // Redis slow (clients paused 600 ms): a call runs about 600 ms, and the server learns that pace.
        try (Jedis admin = redis.admin()) {
          admin.clientPause(600);
        }
        HttpResponse<String> slow = post(http, server, body);
        assertThat(slow.body(), slow.statusCode(), is(200));
        // Still slow: one call runs on the only worker; the next would start after it and end past its 1 s
        // deadline (two runs of about 600 ms), so it is refused at once instead of queueing.
        try (Jedis admin = redis.admin()) {
          admin.clientPause(700);
        }
        CompletableFuture<HttpResponse<String>> running = CompletableFuture.supplyAsync(() -> {
          try {
            return post(http, server, body);
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        });
        Thread.sleep(200);
        HttpResponse<String> refused = post(http, server, body);
        assertThat(refused.body(), refused.statusCode(), is(503));
        assertThat(refused.headers().firstValue("Retry-After").orElse(""), is("1"));
        assertThat(new JsonObject(refused.body()).getString("error"),
            startsWith("the server cannot answer within the deadline of 1000 ms now (1 calls ahead of this one)"));
        HttpResponse<String> finished = running.get(10, TimeUnit.SECONDS);
        assertThat(finished.body(), finished.statusCode(), is(200));
        assertThat(get(http, server, "/metrics").body(), containsString("tandem_calls_shed_total 1.0"));
      }
    }
  }

  @Test
  void overlaysSetOnlyTheDeclaredColumns() throws Exception {
    FeatureSpec spec = JdFixture.jdSpec();
    Path model = TinyJdModel.get(spec, JdFixture.create(spec, 42));
    String token = "overlay-token-" + java.util.UUID.randomUUID();
    try (LocalRedis redis = LocalRedis.start(dir.resolve("redis-overlays"))) {
      try (RedisState state = RedisState.connect(redis.uri())) {
        state.set(new RedisKeys(spec.name(), Integer.toString(spec.version())).currentKey(), "7".getBytes());
      }
      Map<String, String> settings = new java.util.HashMap<>(Map.of("spec", JdFixture.specPath().toString(), "model",
          model.toString(), "redis", redis.uri(), "port", "0", "warmup-batches", "0", "api-token", token,
          "overlay-columns", "bo_user.user_lv_cd, bo_comment.*", "timeout-ms", "10000"));
      HttpClient http = HttpClient.newHttpClient();
      try (TandemServer server = TandemServer.start(ServerConfig.of(settings))) {
        String base = "{\"user_id\": \"u1\", \"candidates\": [\"s1\"], \"event_time\": \"2016-04-10T03:00:00Z\", ";
        HttpResponse<String> declared = post(http, server, base + "\"values\": {\"bo_user\": {\"user_lv_cd\": \"5\"}},"
            + " \"events\": {\"bo_comment\": [{\"sku_id\": \"s1\", \"comment_num\": 3}]}}", token);
        assertThat(declared.body(), declared.statusCode(), is(200));
        HttpResponse<String> other = post(http, server, base + "\"values\": {\"bo_user\": {\"user_lv_cd\": \"5\","
            + " \"age\": \"3\"}}}", token);
        assertThat(other.body(), other.statusCode(), is(403));
        assertThat(new JsonObject(other.body()).getString("field"), is("values.bo_user.age"));
        assertThat(other.body(), containsString("overlay-columns does not list it"));
        HttpResponse<String> event = post(http, server, base + "\"events\": {\"bo_action\": [{\"pair_id\": \"u1_s1\"}]}}",
            token);
        assertThat(event.body(), event.statusCode(), is(403));
        assertThat(new JsonObject(event.body()).getString("field"), is("events.bo_action[0].pair_id"));
      }
      settings.put("overlay-columns", "bo_user.nope");
      TandemServer.StartException bad = assertThrows(TandemServer.StartException.class,
          () -> TandemServer.start(ServerConfig.of(settings)).close());
      assertThat(bad.getMessage(), containsString("overlay-columns: 'bo_user.nope' is not TABLE.COLUMN or TABLE.*"));
    }
  }

  private static HttpResponse<String> post(HttpClient http, TandemServer server, String body, String token) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(server.url() + "/recommend")).timeout(Duration.ofSeconds(30))
        .header("content-type", "application/json").header("Authorization", "Bearer " + token)
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> post(HttpClient http, TandemServer server, String body) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(server.url() + "/recommend")).timeout(Duration.ofSeconds(30))
        .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> get(HttpClient http, TandemServer server, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(server.url() + path)).timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
