package dev.tandem.pipelines;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The server's reliability scenarios, on the data's state with the default model and the
 * server's default settings, the server in its own process, this JVM the clients (loopback only,
 * bounded in time and count):
 *
 * <ul>
 *   <li>{@code overload}: /recommend offered open-loop (each call timed from when it was due) at
 *       {@code --rate} for 10 s, at 3 x that for 30 s, then at {@code --rate} again for 15 s:
 *       statuses, latencies, the slowest answer, the server's RSS and threads, and how long after
 *       the overload every answer is a 200 again;</li>
 *   <li>{@code soak}: {@code --minutes} at {@code --rate}: errors, RSS, threads and open sockets at
 *       the start, peak and end;</li>
 *   <li>{@code events}: {@code --events} bo_comment events (new ids) posted by 8 clients, 10 per
 *       call, while Redis (append-only, fsync always) is killed by pid and restarted once; then
 *       every event answered 2xx is posted again and must come back {@code duplicate} (it is in
 *       state), and every other one is posted again too (a retry is safe).</li>
 * </ul>
 */
public final class ReliabilityBenchmark {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TOKEN = "reliability-" + java.util.UUID.randomUUID();

  public static void main(String[] args) throws Exception {
    Path data = Path.of(args[0]).toAbsolutePath().normalize();
    Map<String, String> options = new LinkedHashMap<>();
    for (int i = 1; i + 1 < args.length; i += 2) {
      options.put(args[i], args[i + 1]);
    }
    String scenario = options.getOrDefault("--scenario", "overload");
    double rate = Double.parseDouble(options.getOrDefault("--rate", "400"));
    Path work = Path.of(options.getOrDefault("--work", "target/bench-reliability")).toAbsolutePath().normalize();
    Files.createDirectories(work);
    PrintWriter report = new PrintWriter(Files.newBufferedWriter(work.resolve(scenario + ".txt")), true);
    Path model = options.containsKey("--model") ? Path.of(options.get("--model")) : ServingBenchmark.defaultModel(data, work);
    try (AppendOnlyRedis redis = AppendOnlyRedis.start(work.resolve("redis"))) {
      ServingBenchmark.cli("materialize", "--spec", ServingBenchmark.SPEC.toString(), "--data", data.toString(), "--redis",
          redis.uri(), "--grace-seconds", "0");
      ServingBenchmark.bodies(dev.tandem.spec.FeatureSpec.load(ServingBenchmark.SPEC), data, work);
      List<String> bodies = Files.readAllLines(work.resolve("recommend.jsonl"));
      int port;
      try (ServerSocket s = new ServerSocket(0)) {
        port = s.getLocalPort();
      }
      Process server = ServingBenchmark.startServer(redis.uri(), model, port, Map.of("TANDEM_API_TOKEN", TOKEN));
      String base = "http://127.0.0.1:" + port;
      try {
        switch (scenario) {
          case "overload" -> overload(base, bodies, rate, server.pid(), report);
          case "soak" -> soak(base, bodies, rate, Integer.parseInt(options.getOrDefault("--minutes", "10")), server.pid(),
              report);
          case "events" -> events(base, redis, Integer.parseInt(options.getOrDefault("--events", "100000")), report);
          default -> throw new IllegalArgumentException("--scenario overload, soak or events, not " + scenario);
        }
      } finally {
        server.destroy();
        server.waitFor(20, TimeUnit.SECONDS);
      }
    }
  }

  // ------------------------------------------------------------------ overload and soak

  private static void overload(String base, List<String> bodies, double rate, long pid, PrintWriter report)
      throws Exception {
    say(report, "overload: /recommend open-loop, %.0f/s for 10 s, %.0f/s for 30 s, %.0f/s for 15 s; server pid %d", rate,
        3 * rate, rate, pid);
    try (OpenLoop load = new OpenLoop(base + "/recommend", bodies)) {
      Sampler sampler = new Sampler(pid);
      Phase before = load.run(rate, 10, sampler);
      Phase over = load.run(3 * rate, 30, sampler);
      Phase after = load.run(rate, 15, sampler);
      for (Phase p : List.of(before, over, after)) {
        say(report, "%s", p);
      }
      // Full service: from the end of the overload, the first 100 ms window from which every call due is answered 200.
      int windows = after.windowsNotAllOk.stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
      say(report, "full service back %d ms after the overload stopped (every call due from then on answered 200)",
          windows * 100);
      say(report, "server %s", sampler);
    }
  }

  private static void soak(String base, List<String> bodies, double rate, int minutes, long pid, PrintWriter report)
      throws Exception {
    say(report, "soak: /recommend open-loop at %.0f/s for %d min; server pid %d", rate, minutes, pid);
    try (OpenLoop load = new OpenLoop(base + "/recommend", bodies)) {
      Sampler sampler = new Sampler(pid);
      load.run(rate, 10, sampler); // warm-up
      Sampler soak = new Sampler(pid);
      Phase p = load.run(rate, minutes * 60, soak);
      say(report, "%s", p);
      say(report, "server %s", soak);
    }
  }

  /** A phase's outcome: calls due, answers by status, latency of the 200s, the slowest answer. */
  record Phase(double rate, int seconds, int due, Map<Integer, Integer> statuses, int failed, long[] okNanos,
      long slowestNanos, List<Integer> windowsNotAllOk) {
    @Override
    public String toString() {
      long[] sorted = okNanos.clone();
      Arrays.sort(sorted);
      return String.format(Locale.ROOT, "%5.0f/s for %2d s: %6d calls due; by status %s; no answer %d; 200s p50 %.2f ms"
          + " p99 %.2f ms; slowest answer %.1f ms", rate, seconds, due, statuses, failed, ms(sorted, 50), ms(sorted, 99),
          slowestNanos / 1e6);
    }

    private static double ms(long[] sorted, int p) {
      return sorted.length == 0 ? Double.NaN : sorted[Math.min(sorted.length - 1, sorted.length * p / 100)] / 1e6;
    }
  }

  /** Open-loop load: calls sent when due whatever the answers' pace, each timed from when it was due. */
  static final class OpenLoop implements AutoCloseable {
    private final String url;
    private final List<String> bodies;
    private final ExecutorService callbacks = Executors.newFixedThreadPool(2);
    private final HttpClient http;

    OpenLoop(String url, List<String> bodies) {
      this.url = url;
      this.bodies = bodies;
      http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(callbacks)
          .connectTimeout(Duration.ofSeconds(2)).build();
    }

    Phase run(double rate, int seconds, Sampler sampler) throws InterruptedException {
      record Call(long due, int status, long nanos) {}
      ConcurrentLinkedQueue<Call> done = new ConcurrentLinkedQueue<>();
      AtomicInteger outstanding = new AtomicInteger();
      long start = System.nanoTime();
      int due = (int) (rate * seconds);
      long nextSample = start;
      for (int i = 0; i < due; i++) {
        long at = start + (long) (i * 1e9 / rate);
        while (System.nanoTime() < at) {
          LockSupport.parkNanos(Math.max(1_000, at - System.nanoTime()));
        }
        if (System.nanoTime() >= nextSample) {
          sampler.sample();
          nextSample += 1_000_000_000L;
        }
        String body = bodies.get(Math.floorMod(i * 7919, bodies.size()));
        HttpRequest request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
            .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
        outstanding.incrementAndGet();
        http.sendAsync(request, HttpResponse.BodyHandlers.discarding()).whenComplete((r, e) -> {
          done.add(new Call(at, e == null ? r.statusCode() : -1, System.nanoTime() - at));
          outstanding.decrementAndGet();
        });
      }
      long deadline = System.nanoTime() + 15_000_000_000L;
      while (outstanding.get() > 0 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      sampler.sample();
      Map<Integer, Integer> statuses = new java.util.TreeMap<>();
      List<Long> ok = new ArrayList<>();
      List<Integer> notAllOk = new ArrayList<>();
      long slowest = 0;
      int failed = outstanding.get();
      for (Call c : done) {
        if (c.status() < 0) {
          failed++;
        } else {
          statuses.merge(c.status(), 1, Integer::sum);
          slowest = Math.max(slowest, c.nanos());
        }
        if (c.status() == 200) {
          ok.add(c.nanos());
        } else {
          notAllOk.add((int) ((c.due() - start) / 100_000_000L));
        }
      }
      return new Phase(rate, seconds, due, statuses, failed, ok.stream().mapToLong(Long::longValue).toArray(), slowest,
          notAllOk);
    }

    @Override
    public void close() {
      callbacks.shutdownNow();
    }
  }

  /** The server process's resident memory, threads and open sockets, sampled: start, peak, end. */
  static final class Sampler {
    private final long pid;
    private final List<long[]> samples = new ArrayList<>();

    Sampler(long pid) {
      this.pid = pid;
    }

    void sample() {
      try {
        long rss = 0;
        long threads = 0;
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
          if (line.startsWith("VmRSS:")) {
            rss = Long.parseLong(line.replaceAll("\\D", "")) / 1024;
          } else if (line.startsWith("Threads:")) {
            threads = Long.parseLong(line.replaceAll("\\D", ""));
          }
        }
        long sockets = 0;
        try (var fds = Files.list(Path.of("/proc/" + pid + "/fd"))) {
          for (Path fd : (Iterable<Path>) fds::iterator) {
            try {
              sockets += Files.readSymbolicLink(fd).toString().startsWith("socket:") ? 1 : 0;
            } catch (IOException gone) {
              // closed while listed
            }
          }
        }
        samples.add(new long[] {rss, threads, sockets});
      } catch (IOException e) {
        throw new IllegalStateException("cannot read /proc/" + pid + ": " + e.getMessage(), e);
      }
    }

    @Override
    public String toString() {
      String[] names = {"RSS MiB", "threads", "sockets"};
      StringBuilder b = new StringBuilder();
      for (int k = 0; k < names.length; k++) {
        int key = k;
        b.append(String.format(Locale.ROOT, "%s%s start %d peak %d end %d", k == 0 ? "" : "; ", names[k],
            samples.get(0)[k], samples.stream().mapToLong(s -> s[key]).max().orElse(0), samples.get(samples.size() - 1)[k]));
      }
      return b.toString();
    }
  }

  // ------------------------------------------------------------------ events across a Redis restart

  private static void events(String base, AppendOnlyRedis redis, int total, PrintWriter report) throws Exception {
    int perCall = 10;
    int clients = 8;
    redis.appendOnlyFsyncAlways();
    say(report, "events: %d new bo_comment events, %d per call, %d clients; Redis append-only with fsync always, killed by"
        + " pid and restarted once", total, perCall, clients);
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    AtomicInteger next = new AtomicInteger();
    ConcurrentLinkedQueue<ArrayNode> acknowledged = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<ArrayNode> refused = new ConcurrentLinkedQueue<>();
    Map<String, AtomicInteger> answers = new java.util.concurrent.ConcurrentHashMap<>();
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    List<Future<?>> running = new ArrayList<>();
    long start = System.nanoTime();
    for (int c = 0; c < clients; c++) {
      running.add(pool.submit(() -> {
        for (int from = next.getAndAdd(perCall); from < total; from = next.getAndAdd(perCall)) {
          ArrayNode rows = rows(from, Math.min(perCall, total - from));
          String answer;
          try {
            HttpResponse<String> r = post(http, base, rows);
            answer = Integer.toString(r.statusCode());
            (r.statusCode() / 100 == 2 ? acknowledged : refused).add(rows);
          } catch (IOException e) {
            answer = "no answer";
            refused.add(rows);
          }
          answers.computeIfAbsent(answer, k -> new AtomicInteger()).incrementAndGet();
        }
        return null;
      }));
    }
    while (next.get() < total * 3 / 10) {
      Thread.sleep(5);
    }
    long killedAt = System.nanoTime();
    redis.killAndRestart(Duration.ofSeconds(2));
    long restartedAt = System.nanoTime();
    for (Future<?> f : running) {
      f.get();
    }
    pool.shutdown();
    say(report, "sent in %.1f s; Redis killed at %.1f s, serving again %.1f s later; calls by answer %s", (System.nanoTime()
        - start) / 1e9, (killedAt - start) / 1e9, (restartedAt - killedAt) / 1e9, answers);
    int ackedRows = acknowledged.stream().mapToInt(ArrayNode::size).sum();
    int lost = 0;
    for (ArrayNode rows : acknowledged) {
      HttpResponse<String> again = post(http, base, rows);
      for (JsonNode result : JSON.readTree(again.body()).path("results")) {
        lost += result.path("status").asText().equals("duplicate") ? 0 : 1;
      }
    }
    Map<String, Integer> retried = new java.util.TreeMap<>();
    for (ArrayNode rows : refused) {
      HttpResponse<String> again = post(http, base, rows);
      for (JsonNode result : JSON.readTree(again.body()).path("results")) {
        retried.merge(result.path("status").asText(), 1, Integer::sum);
      }
    }
    say(report, "acknowledged (2xx) events: %d, of which missing from state afterwards: %d; events that got an error: %d,"
        + " posted again: %s", ackedRows, lost, refused.stream().mapToInt(ArrayNode::size).sum(), retried);
  }

  private static ArrayNode rows(int from, int count) {
    ArrayNode rows = JSON.createArrayNode();
    String now = Instant.now().toString();
    for (int i = from; i < from + count; i++) {
      ObjectNode row = rows.addObject();
      row.put("event_id", "reliability-" + i).put("ingestionTime", now).put("sku_id", "reliability-sku-" + (i % 5000))
          .put("comment_num", i % 100).put("has_bad_comment", "0").put("bad_comment_rate", 0.5);
    }
    return rows;
  }

  private static HttpResponse<String> post(HttpClient http, String base, ArrayNode rows) throws IOException,
      InterruptedException {
    String body = JSON.writeValueAsString(JSON.createObjectNode().set("rows", rows));
    return http.send(HttpRequest.newBuilder(URI.create(base + "/events/bo_comment")).timeout(Duration.ofSeconds(30))
        .header("content-type", "application/json").header("Authorization", "Bearer " + TOKEN)
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** A redis-server child process on a free loopback port; its data (and append-only file) stay in {@code dir}. */
  static final class AppendOnlyRedis implements AutoCloseable {
    private final Path dir;
    private final int port;
    private Process process;

    private AppendOnlyRedis(Path dir, int port) {
      this.dir = dir;
      this.port = port;
    }

    static AppendOnlyRedis start(Path dir) throws Exception {
      Files.createDirectories(dir);
      int port;
      try (ServerSocket s = new ServerSocket(0)) {
        port = s.getLocalPort();
      }
      AppendOnlyRedis redis = new AppendOnlyRedis(dir, port);
      redis.launch(false);
      return redis;
    }

    String uri() {
      return "redis://127.0.0.1:" + port;
    }

    private void launch(boolean appendOnly) throws Exception {
      process = new ProcessBuilder("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1", "--dir",
          dir.toString(), "--save", "", "--appendonly", appendOnly ? "yes" : "no", "--appendfsync", "always")
          .redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
      for (int i = 0; i < 300; i++) {
        if (cli("PING").contains("PONG")) {
          return;
        }
        Thread.sleep(100);
      }
      throw new IllegalStateException("redis-server did not answer on port " + port + "; see " + dir.resolve("redis.log"));
    }

    /** Turns on the append-only file with fsync on every write, and waits until it holds the whole data set. */
    void appendOnlyFsyncAlways() throws Exception {
      cli("CONFIG", "SET", "appendfsync", "always");
      cli("CONFIG", "SET", "appendonly", "yes");
      while (cli("INFO", "persistence").contains("aof_rewrite_in_progress:1")
          || cli("INFO", "persistence").contains("aof_rewrite_scheduled:1")) {
        Thread.sleep(100);
      }
    }

    /** SIGKILL by pid (nothing flushed at exit), then the same server again on the same port and files. */
    void killAndRestart(Duration down) throws Exception {
      process.toHandle().destroyForcibly();
      process.waitFor();
      Thread.sleep(down.toMillis());
      launch(true);
    }

    private String cli(String... command) throws Exception {
      List<String> args = new ArrayList<>(List.of("redis-cli", "-p", Integer.toString(port)));
      args.addAll(List.of(command));
      Process p = new ProcessBuilder(args).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes());
      p.waitFor();
      return out;
    }

    @Override
    public void close() {
      process.toHandle().destroy();
    }
  }

  private static void say(PrintWriter report, String format, Object... args) {
    String text = String.format(Locale.ROOT, format, args);
    System.out.println(text);
    report.println(text);
  }
}
