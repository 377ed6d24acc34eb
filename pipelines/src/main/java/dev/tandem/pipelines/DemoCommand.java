package dev.tandem.pipelines;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.beam.TandemFiles;
import dev.tandem.redis.LocalRedis;
import dev.tandem.spec.FeatureSpec;
import dev.tandem.spec.def.TableDef;
import dev.tandem.spec.def.Type;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tandem demo}: the whole loop on embedded defaults, with only Java and Maven. Each stage
 * is the command a user would run (in this JVM), then the real server in its own process.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Generates a JD-shaped dataset (or takes --data), builds the training set, trains a small DeepFM, starts a "
        + "local Redis, materializes the state, starts the server, sends a few /recommend calls, prints the answers and a "
        + "latency line, and stops everything it started.")
final class DemoCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int LATENCY_CALLS = 200;
  /** TensorFlow's native start-up log lines ("2026-01-01 00:00:00.000000: I tensorflow/..."): not echoed. */
  private static final java.util.regex.Pattern TENSORFLOW_LOG = java.util.regex.Pattern.compile("^\\d{4}-\\d\\d-\\d\\d .*: [IWE] tensorflow/|^To enable the following instructions");

  @CommandLine.Spec
  CommandLine.Model.CommandSpec commandSpec;

  @Option(names = "--spec", paramLabel = "SPEC", description = "the spec (default: the bundled JD spec, feature-spec/specs/jd.yaml)")
  Path spec;

  @Option(names = "--data", paramLabel = "DIR", description = "the tables (DIR/<table>/*.parquet); default: generate --scale requests")
  Path data;

  @Option(names = "--scale", defaultValue = "20000", paramLabel = "N", description = "requests to generate (default ${DEFAULT-VALUE})")
  long scale;

  @Option(names = "--work", defaultValue = "tandem-demo", paramLabel = "DIR", description = "where the demo writes (default ${DEFAULT-VALUE})")
  Path work;

  private PrintWriter out;
  private long started;
  /** The server's api-token for this run (request-time values need it). */
  private final String token = "demo-" + java.util.UUID.randomUUID();

  @Override
  public Integer call() throws Exception {
    out = commandSpec.commandLine().getOut();
    PrintWriter err = commandSpec.commandLine().getErr();
    started = System.nanoTime();
    Path home = Path.of(System.getProperty("tandem.home", "."));
    Path specFile = spec != null ? spec : home.resolve("feature-spec/specs/jd.yaml");
    Path serverJar = home.resolve(ServeCommand.JAR);
    if (!Files.isRegularFile(serverJar)) {
      err.println("demo: the server jar is missing: " + serverJar + " (build with `mvn -DskipTests install`)");
      return TandemCli.BAD_INPUT;
    }
    FeatureSpec s = TandemCli.loadSpec(specFile, err);
    if (s == null) {
      return TandemCli.BAD_INPUT;
    }
    Files.createDirectories(work);
    Path dataDir = data;
    if (dataDir == null) {
      dataDir = work.resolve("data");
      Storage.deleteLocal(dataDir);
      stage("generate " + scale + " JD-shaped requests", "generate", "--scale", Long.toString(scale), "--out", dataDir.toString(),
          "--positive-rate", "0.05");
    }
    Path trainingSet = work.resolve("training-set");
    stage("training set", "training-set", "--spec", specFile.toString(), "--data", dataDir.toString(), "--out",
        trainingSet.toString(), "--overwrite");
    Path model = work.resolve("model");
    Storage.deleteLocal(model);
    stage("train a small DeepFM", "train", "--train", trainingSet.toString(), "--out", model.toString(), "--epochs", "2",
        "--dnn", "64,64", "--batch-size", "512", "--table-size", "100000");
    Path redisDir = work.resolve("redis");
    Storage.deleteLocal(redisDir);
    try (LocalRedis redis = LocalRedis.start(Files.createDirectories(redisDir))) {
      progress("Redis started at " + redis.uri() + " (pid " + redis.pid() + ")");
      stage("materialize the online state", "materialize", "--spec", specFile.toString(), "--data", dataDir.toString(),
          "--redis", redis.uri(), "--grace-seconds", "0");
      int port = freePort();
      List<String> command = ServeCommand.javaCommand(serverJar);
      command.addAll(List.of("--spec", specFile.toString(), "--model", model.toString(), "--redis", redis.uri(), "--port",
          Integer.toString(port),
          // Its first calls run on a cold JVM: a wider deadline than a warm server's 100 ms default.
          "--timeout-ms", "2000"));
      ProcessBuilder serve = new ProcessBuilder(command).redirectErrorStream(true);
      // The demo's own token (request-time values need one); from the environment, so no process list shows it.
      serve.environment().put("TANDEM_API_TOKEN", token);
      Process server = serve.start();
      try {
        awaitListening(server);
        calls(s, dataDir, "http://127.0.0.1:" + port);
      } finally {
        server.destroy();
        if (!server.waitFor(10, TimeUnit.SECONDS)) {
          server.destroyForcibly();
        }
        progress("server stopped");
      }
    }
    progress("Redis stopped; demo done");
    return TandemCli.OK;
  }

  /** Runs one CLI command in this JVM; a failure ends the demo with its exit code. */
  private void stage(String what, String... args) {
    progress(what + ": tandem " + String.join(" ", args));
    int code = TandemCli.run(args, out, commandSpec.commandLine().getErr());
    if (code != TandemCli.OK) {
      throw new CommandLine.ExecutionException(commandSpec.commandLine(), "demo: `tandem " + args[0] + "` exited " + code);
    }
  }

  private void progress(String line) {
    out.printf("demo [%5.1f s] %s%n", (System.nanoTime() - started) / 1e9, line);
    out.flush();
  }

  /** Echoes the server's output until it says it listens. */
  private void awaitListening(Process server) throws IOException {
    BufferedReader lines = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
    for (String line = lines.readLine(); line != null; line = lines.readLine()) {
      if (!TENSORFLOW_LOG.matcher(line).find()) {
        out.println("  server: " + line);
      }
      if (line.contains("listening on")) {
        CompletableFuture.runAsync(() -> lines.lines().forEach(l -> { })); // keep draining its output
        progress("server started");
        return;
      }
    }
    throw new IllegalStateException("the server exited before it listened (exit " + server.exitValue() + ")");
  }

  private void calls(FeatureSpec s, Path dataDir, String base) throws Exception {
    Picked picked = pick(s, dataDir);
    String user = picked.user();
    List<String> items = picked.items();
    Instant time = picked.time();
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    String userField = s.serving().userColumn();

    ObjectNode withCandidates = JSON.createObjectNode().put(userField, user).put("n", 5).put("event_time", time.toString());
    items.forEach(withCandidates.withArray("candidates")::add);
    show(http, base, "/recommend with " + items.size() + " candidates", withCandidates);

    ObjectNode recall = JSON.createObjectNode().put(userField, user).put("n", 5).put("event_time", time.toString());
    show(http, base, "/recommend without candidates (recall: the user's recent items, then the most requested of 7 days)", recall);

    ObjectNode values = withCandidates.deepCopy();
    values.putObject("values").putObject("bo_user").put("user_id", user).put("user_lv_cd", "5").put("age", "26-35")
        .put("sex", "1").put("ingestionTime", time.toString());
    show(http, base, "/recommend with a request-time value (the user's level is now 5)", values);

    show(http, base, "/health", null);

    long[] nanos = new long[LATENCY_CALLS];
    String body = JSON.writeValueAsString(withCandidates);
    for (int i = 0; i < LATENCY_CALLS; i++) {
      long t0 = System.nanoTime();
      HttpResponse<String> r = http.send(post(base + "/recommend", body), HttpResponse.BodyHandlers.ofString());
      nanos[i] = System.nanoTime() - t0;
      if (r.statusCode() != 200) {
        throw new IllegalStateException("/recommend answered " + r.statusCode() + ": " + r.body());
      }
    }
    Arrays.sort(nanos);
    progress(String.format("latency of %d sequential /recommend calls (%d candidates, HTTP on loopback): p50 %.2f ms, p99 %.2f ms",
        LATENCY_CALLS, items.size(), nanos[LATENCY_CALLS / 2] / 1e6, nanos[LATENCY_CALLS * 99 / 100] / 1e6));
  }

  private void show(HttpClient http, String base, String what, ObjectNode body) throws Exception {
    HttpRequest request = body == null
        ? HttpRequest.newBuilder(URI.create(base + what)).GET().build()
        : post(base + "/recommend", JSON.writeValueAsString(body));
    long t0 = System.nanoTime();
    HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
    double ms = (System.nanoTime() - t0) / 1e6;
    progress(what + " -> " + r.statusCode() + String.format(" in %.1f ms", ms));
    JsonNode answer = JSON.readTree(r.body());
    if (answer.has("items")) {
      int rank = 1;
      for (JsonNode item : answer.get("items")) {
        out.printf("  %d. %-12s %.6f%n", rank++, item.get("item").asText(), item.get("score").asDouble());
      }
      out.printf("  (%d candidates ranked, request time %s, state generation %s)%n", answer.path("candidates").asInt(),
          answer.path("request_time").asText(), answer.path("generation").asText());
    } else {
      out.println("  " + JSON.writeValueAsString(answer));
    }
  }

  private HttpRequest post(String url, String body) {
    return HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
        .header("Authorization", "Bearer " + token)
        .POST(HttpRequest.BodyPublishers.ofString(body)).build();
  }

  /** The user with the most requests, the 20 items most requested, and the data's last request time. */
  private record Picked(String user, List<String> items, Instant time) {}

  private static Picked pick(FeatureSpec s, Path dataDir) throws IOException {
    TableDef request = s.plan().requestTable();
    int user = request.indexOf(s.serving().userColumn());
    int item = request.indexOf(s.serving().itemColumn());
    int time = request.indexOf(request.time());
    Map<String, Integer> users = new HashMap<>();
    Map<String, Integer> items = new HashMap<>();
    Instant[] last = {Instant.EPOCH};
    TandemFiles.readTable(s, dataDir.toString(), request, new TandemFiles.TableRows() {
      @Override
      public void row(Object[] values, long sequence) {
        if (values[user] != null && values[item] != null && values[time] instanceof Instant t) {
          users.merge(values[user].toString(), 1, Integer::sum);
          items.merge(values[item].toString(), 1, Integer::sum);
          last[0] = t.isAfter(last[0]) ? t : last[0];
        }
      }

      @Override
      public void rejected(String reason) {}
    });
    List<String> top = new ArrayList<>(items.keySet());
    top.sort((a, b) -> items.get(b) - items.get(a) != 0 ? items.get(b) - items.get(a) : a.compareTo(b));
    String busiest = users.entrySet().stream()
        .sorted(Map.Entry.<String, Integer>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
        .findFirst().orElseThrow().getKey();
    return new Picked(busiest, top.subList(0, Math.min(20, top.size())), last[0].plusSeconds(60));
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
