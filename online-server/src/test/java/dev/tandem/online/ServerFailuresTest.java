package dev.tandem.online;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import dev.tandem.spec.FeatureSpec;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
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
        "max-body-bytes", "2048", "max-candidates", "5")))) {
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

      // Redis stalls (every client paused for 1.5 s): the call is answered 503 at the timeout.
      try (Jedis admin = redis.admin()) {
        admin.clientPause(1500);
      }
      long start = System.nanoTime();
      HttpResponse<String> slow = post(http, server, ok);
      long millis = (System.nanoTime() - start) / 1_000_000;
      assertThat(slow.body(), slow.statusCode(), is(503));
      assertThat(new JsonObject(slow.body()).getString("error"), is("the request took longer than 400 ms"));
      assertThat("answered after " + millis + " ms", millis < 1400, is(true));
      Thread.sleep(1500);
      assertThat(get(http, server, "/health").statusCode(), is(200));

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
    } finally {
      redis.close();
    }
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
