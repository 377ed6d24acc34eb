package dev.tandem.online.server;


import dev.tandem.model.ModelMetadata;
import dev.tandem.model.Scorer;
import dev.tandem.online.JdFixture;
import dev.tandem.online.RedisState;
import dev.tandem.online.TinyJdModel;
import dev.tandem.redis.LocalRedis;
import dev.tandem.spec.FeatureSpec;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code POST /admin/reload} under load: a new model swapped in while clients call /recommend
 * loses no call, and every answer is wholly one model's (the answer that model gives alone);
 * models that do not fit, specs that change the API or have no state are refused and the served
 * pair keeps serving; a new spec version with its state and model is served after a reload.
 */
class HotReloadTest {
  private static final String TOKEN = "reload-token-" + java.util.UUID.randomUUID();
  private static final int BODIES = 8;

  @TempDir Path dir;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @Test
  void aNewModelIsSwappedInUnderLoadAndMisfitsAreRefused() throws Exception {
    FeatureSpec spec = JdFixture.jdSpec();
    JdFixture fixture = JdFixture.create(spec, 42);
    Path first = TinyJdModel.get(spec, fixture);
    Path second = TinyJdModel.other(spec, fixture);
    try (LocalRedis redis = LocalRedis.start(dir.resolve("redis"))) {
      try (RedisState state = RedisState.connect(redis.uri())) {
        fixture.ingestAsCurrent(spec, state);
      }
      try (TandemServer server = TandemServer.start(ServerConfig.of(Map.of("spec", JdFixture.specPath().toString(),
          "model", first.toString(), "redis", redis.uri(), "port", "0", "warmup-batches", "1", "api-token", TOKEN,
          "timeout-ms", "10000")))) {
        List<String> bodies = new ArrayList<>();
        for (int i = 0; i < BODIES; i++) {
          JsonArray candidates = new JsonArray();
          for (int c = 0; c < 20; c++) {
            candidates.add(JdFixture.sku((i * 7 + c * 3) % JdFixture.SKUS));
          }
          bodies.add(new JsonObject().put("user_id", JdFixture.user(i)).put("candidates", candidates)
              .put("event_time", JdFixture.T.plus(Duration.ofHours(1)).toString()).encode());
        }
        List<String> byFirst = answers(server, bodies);

        // Clients call without a pause while the model is swapped.
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService clients = Executors.newFixedThreadPool(4);
        List<Future<List<String[]>>> calls = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
          calls.add(clients.submit(() -> {
            List<String[]> seen = new ArrayList<>();
            for (int i = 0; !stop.get() || seen.size() < 20; i++) {
              String body = bodies.get(i % BODIES);
              HttpResponse<String> r = post(server, "/recommend", body, null);
              seen.add(new String[] {Integer.toString(i % BODIES), r.statusCode() + " " + r.body()});
            }
            return seen;
          }));
        }
        Thread.sleep(500);
        HttpResponse<String> reload = post(server, "/admin/reload", new JsonObject().put("model", second.toString()).encode(),
            TOKEN);
        assertThat(reload.body(), reload.statusCode(), is(200));
        assertThat(new JsonObject(reload.body()).getString("spec_sha256"), is(spec.sha256()));
        Thread.sleep(500);
        stop.set(true);
        List<String[]> seen = new ArrayList<>();
        for (Future<List<String[]>> f : calls) {
          seen.addAll(f.get());
        }
        clients.shutdown();
        List<String> bySecond = answers(server, bodies);
        assertThat("the two models rank differently", bySecond, not(is(byFirst)));

        List<String> mixed = new ArrayList<>();
        int first0 = 0;
        int second0 = 0;
        for (String[] s : seen) {
          int body = Integer.parseInt(s[0]);
          String answer = s[1];
          if (answer.equals("200 " + byFirst.get(body))) {
            first0++;
          } else if (answer.equals("200 " + bySecond.get(body))) {
            second0++;
          } else {
            mixed.add(answer);
          }
        }
        System.out.printf("hot reload under load: %d calls, %d answered by the first model, %d by the second, %d other%n",
            seen.size(), first0, second0, mixed.size());
        assertThat("every call answered 200, wholly by one model", mixed, is(empty()));
        assertThat(second0, greaterThan(0));

        // The served model now is the second: /predict is its probability of the row's model ids.
        JsonObject row = new JsonObject().put("user_id", "u3").put("sku_id", "s5")
            .put("event_time", JdFixture.T.plus(Duration.ofHours(1)).toString());
        JsonArray ids = new JsonObject(post(server, "/features", row.encode(), null).body()).getJsonArray("model_ids");
        long[] modelIds = ids.stream().mapToLong(v -> ((Number) v).longValue()).toArray();
        try (Scorer alone = Scorer.load(second, spec)) {
          float expected = alone.score(new long[][] {modelIds})[0];
          JsonObject features = new JsonObject(post(server, "/features", row.encode(), null).body());
          JsonObject request = features.getJsonObject("request");
          JsonObject predicted = new JsonObject(post(server, "/predict", request.encode(), null).body());
          assertThat(predicted.getFloat("probability"), is(expected));
        }

        // Refused, and the second model keeps serving.
        assertThat(post(server, "/admin/reload", new JsonObject().put("model", first.toString()).encode(), null)
            .statusCode(), is(401));
        Path misfit = copyWithSpecSha(first, dir.resolve("misfit"), "0".repeat(64));
        refused(server, new JsonObject().put("model", misfit.toString()), "model", "not trained for spec");
        refused(server, new JsonObject().put("model", dir.resolve("nothing").toString()), "model", "not a Tandem model folder");
        Path wider = Files.writeString(dir.resolve("wider.yaml"), Files.readString(JdFixture.specPath())
            .replace("      time1: string\n", "      time1: string\n      extra: string\n"));
        refused(server, new JsonObject().put("model", first.toString()).put("spec", wider.toString()), "spec",
            "changes the API");
        Path broken = Files.writeString(dir.resolve("broken.yaml"), "name: jd\nversion: [\n");
        refused(server, new JsonObject().put("model", first.toString()).put("spec", broken.toString()), "spec",
            "broken.yaml:");
        // Version 2 of the spec, with a model trained for it: refused until its state is materialized.
        Path v2 = Files.writeString(dir.resolve("jd-v2.yaml"), Files.readString(JdFixture.specPath())
            .replace("\nversion: 1\n", "\nversion: 2\n"));
        FeatureSpec spec2 = FeatureSpec.load(v2);
        Path model2 = copyWithSpecSha(first, dir.resolve("model-v2"), spec2.sha256());
        JsonObject toV2 = new JsonObject().put("model", model2.toString()).put("spec", v2.toString());
        refused(server, toV2, "spec", "jd v2 has no state in Redis");
        assertThat(answers(server, bodies), is(bySecond));

        try (RedisState state = RedisState.connect(redis.uri())) {
          fixture.ingestAsCurrent(spec2, state);
        }
        HttpResponse<String> served = post(server, "/admin/reload", toV2.encode(), TOKEN);
        assertThat(served.body(), served.statusCode(), is(200));
        assertThat(server.spec().version(), is(2));
        assertThat(answers(server, bodies), is(byFirst)); // the first model's weights, the same features from v2's state
      }
    }
  }

  private void refused(TandemServer server, JsonObject body, String field, String message) throws Exception {
    HttpResponse<String> r = post(server, "/admin/reload", body.encode(), TOKEN);
    assertThat(r.body(), r.statusCode(), is(400));
    JsonObject error = new JsonObject(r.body());
    assertThat(error.getString("field"), is(field));
    assertThat(error.getString("error"), containsString(message));
  }

  /** A copy of {@code model} whose metadata names another spec hash: a model trained for another spec. */
  private static Path copyWithSpecSha(Path model, Path to, String sha256) throws Exception {
    try (Stream<Path> files = Files.walk(model)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        Path target = to.resolve(model.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
    Path metadata = to.resolve(ModelMetadata.FILE);
    FeatureSpec spec = JdFixture.jdSpec();
    Files.writeString(metadata, Files.readString(metadata, UTF_8).replace(spec.sha256(), sha256), UTF_8);
    return to;
  }

  /** Each body's /recommend answer, one call at a time. */
  private List<String> answers(TandemServer server, List<String> bodies) throws Exception {
    List<String> out = new ArrayList<>();
    for (String body : bodies) {
      HttpResponse<String> r = post(server, "/recommend", body, null);
      assertThat(r.body(), r.statusCode(), is(200));
      out.add(r.body());
    }
    return Collections.unmodifiableList(out);
  }

  private HttpResponse<String> post(TandemServer server, String path, String body, String token) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.url() + path)).timeout(Duration.ofSeconds(60))
        .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }
}
