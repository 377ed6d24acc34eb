package dev.tandem.pipelines;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.redis.LocalRedisCluster;
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

/**
 * The server's reliability scenarios, on the data's state with the default model and the
 * server's default settings, the server in its own process, this JVM the clients (loopback only,
 * bounded in time and count):
 *
 * <p>Load comes from wrk (closed loop, its own process), counting answers by status.
 *
 * <ul>
 *   <li>{@code overload}: /recommend from {@code --connections} (default 4) for 10 s (the
 *       sustainable rate), then 16 x as many connections offering 3 x that rate for 30 s, then 1 s
 *       runs from {@code --connections} until one is answered 200 only:
 *       statuses, rate, latency up to the slowest answer, the server's RSS, threads and sockets;</li>
 *   <li>{@code soak}: the maximum rate from {@code --connections} (10 s), then {@code --minutes}
 *       from twice as many connections offering 80 % of it: the same figures, RSS, threads and open
 *       sockets at the start, peak and end;</li>
 *   <li>{@code events}: {@code --events} bo_comment events (new ids) posted by 8 clients, 10 per
 *       call, while Redis (append-only, fsync always) is killed by pid and restarted once; then
 *       every event answered 2xx is posted again and must come back {@code duplicate} (it is in
 *       state), and every other one is posted again too (a retry is safe).</li>
 *   <li>{@code large-events}: readers (wrk, /recommend, {@code --connections}) for 20 s alone, then
 *       20 s while one writer posts bo_comment calls of {@code --rows-per-call} new events each
 *       (default 1,000, the server's max-event-rows; the server is started to take them): the
 *       readers' latency both ways, and the writer's rows per second;</li>
 *   <li>{@code cluster}: the state in a Redis Cluster of 3 masters + 3 replicas on loopback, the
 *       server given a dead seed node first; 4 clients call {@code /features} (a random user and
 *       sku: a few keys, so some calls miss a given master) for {@code --seconds}; a quarter in,
 *       master 0 is killed by pid (SIGKILL): answers by status per second, how fast the errors
 *       came, and the window from the kill until every call is answered 200 again.</li>
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
    int connections = Integer.parseInt(options.getOrDefault("--connections", "4"));
    int rowsPerCall = Integer.parseInt(options.getOrDefault("--rows-per-call", "1000"));
    Path work = Path.of(options.getOrDefault("--work", "target/bench-reliability")).toAbsolutePath().normalize();
    Files.createDirectories(work);
    PrintWriter report = new PrintWriter(Files.newBufferedWriter(work.resolve(scenario + ".txt")), true);
    Path model = options.containsKey("--model") ? Path.of(options.get("--model")) : ServingBenchmark.defaultModel(data, work);
    if (scenario.equals("cluster")) {
      cluster(data, model, Integer.parseInt(options.getOrDefault("--seconds", "40")), work, report);
      return;
    }
    try (AppendOnlyRedis redis = AppendOnlyRedis.start(work.resolve("redis"))) {
      ServingBenchmark.cli("materialize", "--spec", ServingBenchmark.SPEC.toString(), "--data", data.toString(), "--redis",
          redis.uri(), "--grace-seconds", "0");
      ServingBenchmark.bodies(dev.tandem.spec.FeatureSpec.load(ServingBenchmark.SPEC), data, work);
      Path bodies = work.resolve("recommend.jsonl");
      int port;
      try (ServerSocket s = new ServerSocket(0)) {
        port = s.getLocalPort();
      }
      // large-events: calls of --rows-per-call rows (10,000 take about 1.7 MB of JSON) let in.
      Map<String, String> environment = scenario.equals("large-events")
          ? Map.of("TANDEM_API_TOKEN", TOKEN, "TANDEM_MAX_BODY_BYTES", Integer.toString(4 << 20), "TANDEM_MAX_EVENT_ROWS",
              Integer.toString(rowsPerCall))
          : Map.of("TANDEM_API_TOKEN", TOKEN);
      Process server = ServingBenchmark.startServer(redis.uri(), model, port, environment);
      String base = "http://127.0.0.1:" + port;
      try {
        switch (scenario) {
          case "overload" -> overload(base, bodies, connections, server.pid(), work, report);
          case "soak" -> soak(base, bodies, connections, Integer.parseInt(options.getOrDefault("--minutes", "10")),
              server.pid(), work, report);
          case "events" -> events(base, redis, Integer.parseInt(options.getOrDefault("--events", "100000")), report);
          case "large-events" -> largeEvents(base, bodies, connections, rowsPerCall, work, report);
          default -> throw new IllegalArgumentException("--scenario overload, soak, events, large-events or cluster, not " + scenario);
        }
      } finally {
        server.destroy();
        server.waitFor(20, TimeUnit.SECONDS);
      }
    }
  }

  // ------------------------------------------------------------------ overload and soak

  private static void overload(String base, Path bodies, int connections, long pid, Path work, PrintWriter report)
      throws Exception {
    int heavy = 16 * connections;
    say(report, "overload: wrk on /recommend, %d connections for 20 s (warm-up), %d for 10 s (the sustainable rate), then %d"
        + " connections offering 3 x that rate for 30 s (each pauses a random exponential time after each answer), then 1 s"
        + " runs of %d until one is all 200; server pid %d", connections, connections, heavy, connections, pid);
    Sampler sampler = new Sampler(pid);
    try (Sampler.Running running = sampler.every(Duration.ofSeconds(1))) {
      wrk(base + "/recommend", bodies, connections, 20, 0, work);
      Wrk sustainable = wrk(base + "/recommend", bodies, connections, 10, 0, work);
      say(report, "%s", sustainable);
      double target = 3 * sustainable.rps();
      double pauseMs = pauseFor(target, base, bodies, heavy, 5, work, report);
      say(report, "%s (asked: %.0f calls/s, a pause of %.1f ms on average)", wrk(base + "/recommend", bodies, heavy, 30,
          pauseMs, work), target, pauseMs);
      for (int second = 1; second <= 30; second++) {
        Wrk after = wrk(base + "/recommend", bodies, connections, 1, 0, work);
        say(report, "%s", after);
        if (after.allOk()) {
          say(report, "full service back in the run of second %d after the overload stopped", second);
          break;
        }
      }
    }
    say(report, "server %s", sampler);
  }

  private static void soak(String base, Path bodies, int connections, int minutes, long pid, Path work, PrintWriter report)
      throws Exception {
    int soakConnections = 2 * connections;
    say(report, "soak: wrk on /recommend, %d connections for 20 s (warm-up) and 10 s (the maximum rate), then %d connections"
        + " offering 80 %% of that rate for %d min; server pid %d", connections, soakConnections, minutes, pid);
    wrk(base + "/recommend", bodies, connections, 20, 0, work);
    Wrk maximum = wrk(base + "/recommend", bodies, connections, 10, 0, work);
    say(report, "%s", maximum);
    double target = 0.8 * maximum.rps();
    double pauseMs = pauseFor(target, base, bodies, soakConnections, 10, work, report);
    Sampler sampler = new Sampler(pid);
    try (Sampler.Running running = sampler.every(Duration.ofSeconds(5))) {
      say(report, "%s (asked: %.0f calls/s, a pause of %.1f ms on average)", wrk(base + "/recommend", bodies, soakConnections,
          minutes * 60, pauseMs, work), target, pauseMs);
    }
    say(report, "server %s", sampler);
  }

  /**
   * The mean pause after each answer that makes {@code connections} offer {@code target} calls/s.
   * A connection's cycle is its call plus its pause: a probe of {@code probeSeconds} at the cycle
   * length measures the calls' share of it under about this load, and the pause fills the rest.
   */
  private static double pauseFor(double target, String base, Path bodies, int connections, int probeSeconds, Path work,
      PrintWriter report) throws Exception {
    double cycleMs = connections * 1000.0 / target;
    Wrk probe = wrk(base + "/recommend", bodies, connections, probeSeconds, cycleMs, work);
    say(report, "probe: %s", probe);
    double callMs = Math.max(0, connections * 1000.0 / probe.rps() - cycleMs);
    return Math.max(0, cycleMs - callMs);
  }

  /** One wrk run's outcome: answers by status, socket errors, rate and latency (all answers). */
  record Wrk(int connections, int seconds, Map<Integer, Long> statuses, long socketErrors, double rps, double p50Ms,
      double p99Ms, double maxMs) {
    boolean allOk() {
      return socketErrors == 0 && statuses.keySet().stream().allMatch(s -> s == 200);
    }

    @Override
    public String toString() {
      return String.format(Locale.ROOT, "%4d connections %3d s: %7.0f answers/s, by status %s, socket errors %d; latency"
          + " p50 %.2f ms p99 %.2f ms max %.1f ms", connections, seconds, rps, statuses, socketErrors, p50Ms, p99Ms, maxMs);
    }
  }

  // Counts answers by status per thread; done() adds them up and writes them with the latency figures.
  private static final String WRK_SCRIPT = """
      local bodies = {}
      for line in io.lines(os.getenv("BODIES")) do bodies[#bodies + 1] = line end
      wrk.method = "POST"
      wrk.headers["Content-Type"] = "application/json"
      local threads = {}
      setup = function(thread) table.insert(threads, thread) end
      init = function() statuses = {}; math.randomseed(os.time() + math.random(1, 100000)) end
      request = function() return wrk.format(nil, nil, nil, bodies[math.random(#bodies)]) end
      response = function(status) statuses[status] = (statuses[status] or 0) + 1 end
      local pause = tonumber(os.getenv("PAUSE_MS"))
      if pause > 0 then delay = function() return -math.log(1 - math.random()) * pause end end
      done = function(summary, latency, requests)
        local f = io.open(os.getenv("RESULT"), "w")
        local e = summary.errors
        f:write(string.format("%d %d %d %d %d %d\\n", summary.requests, summary.duration,
          e.connect + e.read + e.write + e.timeout, latency:percentile(50), latency:percentile(99), latency.max))
        for _, t in ipairs(threads) do
          for status, n in pairs(t:get("statuses")) do f:write(string.format("%d %d\\n", status, n)) end
        end
        f:close()
      end
      """;

  /** @param pauseMs mean of the random (exponential) pause of each connection after each answer; 0: none (closed loop) */
  private static Wrk wrk(String url, Path bodies, int connections, int seconds, double pauseMs, Path work) throws Exception {
    Path script = work.resolve("statuses.lua");
    Files.writeString(script, WRK_SCRIPT);
    Path result = work.resolve("wrk-statuses.txt");
    ProcessBuilder pb = new ProcessBuilder("wrk", "-t2", "-c" + connections, "-d" + seconds + "s", "--timeout", "10s", "-s",
        script.toString(), url).redirectErrorStream(true);
    pb.environment().put("BODIES", bodies.toString());
    pb.environment().put("RESULT", result.toString());
    pb.environment().put("PAUSE_MS", Double.toString(pauseMs));
    Files.deleteIfExists(result);
    Process wrk = pb.start();
    String output = new String(wrk.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    if (wrk.waitFor() != 0 || !Files.exists(result)) {
      throw new IllegalStateException("wrk failed:\n" + output);
    }
    List<String> lines = Files.readAllLines(result);
    long[] head = Arrays.stream(lines.get(0).split(" ")).mapToLong(Long::parseLong).toArray();
    Map<Integer, Long> statuses = new java.util.TreeMap<>();
    for (String line : lines.subList(1, lines.size())) {
      String[] kv = line.split(" ");
      statuses.merge(Integer.parseInt(kv[0]), Long.parseLong(kv[1]), Long::sum);
    }
    return new Wrk(connections, seconds, statuses, head[2], head[0] / (head[1] / 1e6), head[3] / 1000.0, head[4] / 1000.0,
        head[5] / 1000.0);
  }

  /** The server process's resident memory, threads and open sockets, sampled: start, peak, end. */
  static final class Sampler {
    private final long pid;
    private final List<long[]> samples = new ArrayList<>();

    Sampler(long pid) {
      this.pid = pid;
    }

    /** Samples in the background until closed. */
    final class Running implements AutoCloseable {
      private final java.util.concurrent.ScheduledExecutorService timer =
          Executors.newSingleThreadScheduledExecutor();

      private Running(Duration every) {
        timer.scheduleAtFixedRate(Sampler.this::sample, 0, every.toMillis(), TimeUnit.MILLISECONDS);
      }

      @Override
      public void close() throws InterruptedException {
        timer.shutdown();
        timer.awaitTermination(10, TimeUnit.SECONDS);
        sample();
      }
    }

    Running every(Duration every) {
      return new Running(every);
    }

    synchronized void sample() {
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
    public synchronized String toString() {
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

  // ------------------------------------------------------------------ Redis Cluster failover

  /** One call of the cluster scenario: when it was sent (ns after the start), how long it took, its status (0: no answer). */
  private record Call(long sentNanos, long tookNanos, int status) {}

  private static void cluster(Path data, Path model, int seconds, Path work, PrintWriter report) throws Exception {
    int clients = 4;
    try (LocalRedisCluster cluster = LocalRedisCluster.start(work.resolve("cluster"), 3, 1)) {
      ServingBenchmark.cli("materialize", "--spec", ServingBenchmark.SPEC.toString(), "--data", data.toString(), "--redis",
          cluster.uri(), "--grace-seconds", "0");
      cluster.awaitReplicated();
      List<String> bodies = new ArrayList<>();
      ServingBenchmark.Bodies recommend = ServingBenchmark.bodies(dev.tandem.spec.FeatureSpec.load(ServingBenchmark.SPEC), data,
          work);
      for (int i = 0; i < recommend.users().size(); i++) {
        for (String sku : recommend.candidates().get(i).subList(0, 10)) {
          bodies.add(JSON.writeValueAsString(JSON.createObjectNode().put("user_id", recommend.users().get(i)).put("sku_id", sku)
              .put("event_time", recommend.time().toString())));
        }
      }
      int dead;
      try (ServerSocket s = new ServerSocket(0)) {
        dead = s.getLocalPort(); // nobody listens here once closed: a seed node that is down
      }
      String seeds = "redis://127.0.0.1:" + dead + "," + cluster.uri().substring("redis://".length());
      int port;
      try (ServerSocket s = new ServerSocket(0)) {
        port = s.getLocalPort();
      }
      say(report, "cluster: 3 masters + 3 replicas (cluster-node-timeout 2 s); the server's seeds %s (the first is down);"
          + " %d clients call /features for %d s; master 0 (pid %d) is killed with SIGKILL at %d s", seeds, clients, seconds,
          cluster.masters().get(0).pid(), seconds / 4);
      Process server = ServingBenchmark.startServer(seeds, model, port, Map.of());
      String url = "http://127.0.0.1:" + port + "/features";
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      // Warm-up, not counted: a cold server's first calls may pass their 100 ms deadline.
      long warm = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      for (int i = 0; System.nanoTime() < warm; i++) {
        http.send(HttpRequest.newBuilder(URI.create(url)).header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(bodies.get(i % bodies.size()))).build(), HttpResponse.BodyHandlers.discarding());
      }
      ConcurrentLinkedQueue<Call> calls = new ConcurrentLinkedQueue<>();
      long start = System.nanoTime();
      long end = start + TimeUnit.SECONDS.toNanos(seconds);
      ExecutorService pool = Executors.newFixedThreadPool(clients);
      List<Future<?>> running = new ArrayList<>();
      try {
        for (int c = 0; c < clients; c++) {
          java.util.Random random = new java.util.Random(c);
          running.add(pool.submit(() -> {
            while (System.nanoTime() < end) {
              long sent = System.nanoTime();
              int status;
              try {
                status = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                    .header("content-type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(bodies.get(random.nextInt(bodies.size())))).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
              } catch (IOException e) {
                status = 0;
              }
              calls.add(new Call(sent - start, System.nanoTime() - sent, status));
            }
            return null;
          }));
        }
        Thread.sleep(TimeUnit.SECONDS.toMillis(seconds / 4));
        long killed = System.nanoTime() - start;
        ProcessHandle.of(cluster.masters().get(0).pid()).orElseThrow().destroyForcibly();
        for (Future<?> f : running) {
          f.get();
        }
        clusterReport(new ArrayList<>(calls), killed, report);
      } finally {
        pool.shutdownNow();
        server.destroy();
        server.waitFor(20, TimeUnit.SECONDS);
      }
    }
  }

  private static void clusterReport(List<Call> calls, long killed, PrintWriter report) {
    calls.sort(java.util.Comparator.comparingLong(Call::sentNanos));
    Map<Integer, Long> byStatus = new java.util.TreeMap<>();
    calls.forEach(c -> byStatus.merge(c.status(), 1L, Long::sum));
    say(report, "calls %d, by status %s (0: no answer); failed before the kill: %d", calls.size(), byStatus,
        calls.stream().filter(c -> c.status() != 200 && c.sentNanos() + c.tookNanos() < killed).count());
    // The failures the kill caused: answered after it (a call in flight at the kill may fail too).
    List<Call> failed = calls.stream().filter(c -> c.status() != 200 && c.sentNanos() + c.tookNanos() >= killed).toList();
    long lastError = failed.stream().mapToLong(c -> c.sentNanos() + c.tookNanos()).max().orElse(-1);
    long firstError = failed.stream().mapToLong(Call::sentNanos).min().orElse(-1);
    if (lastError < 0) {
      say(report, "no call failed");
      return;
    }
    List<Call> window = calls.stream().filter(c -> c.sentNanos() >= killed && c.sentNanos() <= lastError).toList();
    long okInWindow = window.stream().filter(c -> c.status() == 200).count();
    double slowestError = failed.stream().mapToLong(Call::tookNanos).max().orElse(0) / 1e6;
    double[] errorMs = failed.stream().mapToDouble(c -> c.tookNanos() / 1e6).sorted().toArray();
    say(report, "first failed call sent %.3f s after the kill (negative: in flight at the kill); the last failed call answered"
        + " %.3f s after the kill: unavailable"
        + " window %.3f s for the calls that touch master 0's slots", (firstError - killed) / 1e9, (lastError - killed) / 1e9,
        (lastError - killed) / 1e9);
    say(report, "in that window: %d calls, %d answered 200 (their keys on the live masters); failed calls answered in p50"
        + " %.1f ms, max %.1f ms", window.size(), okInWindow, errorMs[errorMs.length / 2], slowestError);
    long after = calls.stream().filter(c -> c.sentNanos() > lastError).count();
    long afterOk = calls.stream().filter(c -> c.sentNanos() > lastError && c.status() == 200).count();
    say(report, "after it: %d calls, %d answered 200, no restart of the server", after, afterOk);
    for (long second = 0; second * 1_000_000_000L <= calls.get(calls.size() - 1).sentNanos(); second++) {
      long from = second * 1_000_000_000L;
      Map<Integer, Long> in = new java.util.TreeMap<>();
      calls.stream().filter(c -> c.sentNanos() >= from && c.sentNanos() < from + 1_000_000_000L)
          .forEach(c -> in.merge(c.status(), 1L, Long::sum));
      say(report, "  second %2d%s: %s", second, from <= killed && killed < from + 1_000_000_000L ? " (kill)" : "", in);
    }
  }

  private static void largeEvents(String base, Path bodies, int connections, int perCall, Path work, PrintWriter report)
      throws Exception {
    say(report, "large-events: wrk on /recommend, %d connections, 20 s alone, then 20 s beside one writer posting %d"
        + " bo_comment events per call (%d bytes of JSON; max-event-rows set to that, max-body-bytes to 4 MB)", connections,
        perCall,
        JSON.writeValueAsBytes(JSON.createObjectNode().set("rows", rows(0, perCall))).length);
    wrk(base + "/recommend", bodies, connections, 10, 0, work); // warm-up
    say(report, "readers alone:        %s", wrk(base + "/recommend", bodies, connections, 20, 0, work));
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
    Map<Integer, Integer> calls = new java.util.concurrent.ConcurrentHashMap<>();
    List<Long> callNanos = java.util.Collections.synchronizedList(new ArrayList<>());
    java.util.concurrent.atomic.AtomicLong accepted = new java.util.concurrent.atomic.AtomicLong();
    ExecutorService writer = Executors.newSingleThreadExecutor();
    Future<?> writing = writer.submit(() -> {
      for (int from = 1_000_000_000; !stop.get(); from += perCall) {
        String body = JSON.writeValueAsString(JSON.createObjectNode().set("rows", rows(from, perCall)));
        long sent = System.nanoTime();
        HttpResponse<String> r = postBody(http, base, body);
        callNanos.add(System.nanoTime() - sent);
        calls.merge(r.statusCode(), 1, Integer::sum);
        if (r.statusCode() == 200) {
          for (JsonNode result : JSON.readTree(r.body()).path("results")) {
            accepted.addAndGet(result.path("status").asText().equals("accepted") ? 1 : 0);
          }
        }
      }
      return null;
    });
    Wrk beside = wrk(base + "/recommend", bodies, connections, 20, 0, work);
    stop.set(true);
    writing.get();
    writer.shutdown();
    say(report, "readers beside writes: %s", beside);
    double seconds = callNanos.stream().mapToLong(Long::longValue).sum() / 1e9;
    say(report, "writer: %d calls by status %s, %d rows accepted in %.1f s of calls (%.0f rows/s), a call %.0f–%.0f ms",
        callNanos.size(), calls, accepted.get(), seconds, accepted.get() / seconds,
        callNanos.stream().mapToLong(Long::longValue).min().orElse(0) / 1e6,
        callNanos.stream().mapToLong(Long::longValue).max().orElse(0) / 1e6);
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
    return postBody(http, base, JSON.writeValueAsString(JSON.createObjectNode().set("rows", rows)));
  }

  private static HttpResponse<String> postBody(HttpClient http, String base, String body) throws IOException,
      InterruptedException {
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
