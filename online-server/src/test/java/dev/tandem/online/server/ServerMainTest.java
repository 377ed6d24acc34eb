package dev.tandem.online.server;


import dev.tandem.online.JdFixture;
import dev.tandem.online.TinyJdModel;
import dev.tandem.redis.LocalRedis;
import dev.tandem.spec.FeatureSpec;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;


/** {@code tandem serve} as a program: its start-up line, its settings, and exit status 2 for bad input. */
class ServerMainTest {
  @TempDir static Path dir;
  static Path model;
  static FeatureSpec spec;

  @BeforeAll
  static void model() throws Exception {
    spec = JdFixture.jdSpec();
    model = TinyJdModel.get(spec, JdFixture.create(spec, 42));
  }

  @Test
  void badInputIsExitStatusTwo() throws Exception {
    String spec = JdFixture.specPath().toString();
    assertThat(run("--model", model.toString(), "--redis", "redis://127.0.0.1:1"), is(2)); // no spec
    assertThat(run("--spec", dir.resolve("none.yaml").toString(), "--model", model.toString(), "--redis", "redis://127.0.0.1:1"),
        is(2));
    assertThat(run("--spec", spec, "--model", dir.resolve("no-model").toString(), "--redis", "redis://127.0.0.1:1"), is(2));
    assertThat(run("--spec", spec, "--model", model.toString(), "--redis", "redis://127.0.0.1:1"), is(2)); // no Redis there
    assertThat(run("--spec", spec, "--model", model.toString(), "--redis", "redis://127.0.0.1:1", "--port", "70000"), is(2));
    Path config = Files.writeString(dir.resolve("bad.properties"), "colour=red\n");
    assertThat(run("--config", config.toString()), is(2));
    assertThat(run("--no-such-option"), is(2));
  }

  private static int run(String... args) {
    return new CommandLine(new ServerMain()).execute(args);
  }

  @Test
  void servesUntilStoppedAndPrintsOneLine() throws Exception {
    try (LocalRedis redis = LocalRedis.start(dir.resolve("redis"))) {
      Path config = Files.writeString(dir.resolve("serve.json"), "{\"warmup-batches\": 1, \"port\": 0}");
      List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-Xmx1g", "-cp", System.getProperty("java.class.path"), ServerMain.class.getName(),
          "--spec", JdFixture.specPath().toString(), "--model", model.toString(), "--redis", redis.uri(),
          "--config", config.toString()));
      ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
      builder.environment().put("TANDEM_MAX_CANDIDATES", "3"); // from the environment
      Process process = builder.start();
      try {
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<String> banner = CompletableFuture.supplyAsync(() -> {
          StringBuilder seen = new StringBuilder();
          try {
            for (String line = out.readLine(); line != null; line = out.readLine()) {
              if (line.startsWith("tandem serve: listening on ")) {
                return line;
              }
              seen.append(line).append('\n');
            }
          } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
          throw new IllegalStateException("the server exited before its start-up line:\n" + seen);
        });
        String line = banner.get(120, TimeUnit.SECONDS);
        assertThat(line, containsString("(spec jd v1 sha256 " + spec.sha256().substring(0, 12)));
        assertThat(line, containsString("generation none (nothing materialized yet))"));
        Matcher url = Pattern.compile("listening on (http://127\\.0\\.0\\.1:[0-9]+) ").matcher(line);
        assertThat(line, url.find(), is(true));

        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create(url.group(1) + "/health")).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(health.body(), health.statusCode(), is(200));
        assertThat(new JsonObject(health.body()).getValue("generation"), nullValue());
        // Nothing materialized: a 503 that says so; four candidates are above TANDEM_MAX_CANDIDATES=3.
        HttpResponse<String> none = post(http, url.group(1), "{\"user_id\": \"u1\", \"candidates\": [\"s1\"]}");
        assertThat(none.body(), none.statusCode(), is(503));
        assertThat(new JsonObject(none.body()).getString("error"), startsWith("no state in Redis for spec jd"));
        HttpResponse<String> many = post(http, url.group(1), "{\"user_id\": \"u1\", \"candidates\": [\"a\", \"b\", \"c\", \"d\"]}");
        assertThat(many.body(), many.statusCode(), is(400));
        assertThat(new JsonObject(many.body()).getString("field"), is("candidates"));
      } finally {
        process.destroy(); // SIGTERM: the shutdown hook closes the server
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      }
    }
  }

  private static HttpResponse<String> post(HttpClient http, String url, String body) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(url + "/recommend")).timeout(Duration.ofSeconds(30))
        .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
