package dev.tandem.pipelines;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.beam.TandemFiles;
import dev.tandem.model.Scorer;
import dev.tandem.online.FeatureFetcher;
import dev.tandem.online.JsonValues;
import dev.tandem.online.RedisKeys;
import dev.tandem.online.RedisState;
import dev.tandem.redis.LocalRedis;
import dev.tandem.spec.FeatureSpec;
import dev.tandem.spec.def.TableDef;
import dev.tandem.spec.encoding.ModelEncoder;
import dev.tandem.spec.eval.ServingPlan;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;

/**
 * {@code /recommend} and {@code /predict} under load, against their floor measured in the same run.
 *
 * <ol>
 *   <li>The DEFAULT model (DeepFM, DNN 400-400-400) trained on the data unless {@code --model} names
 *       one; the data materialized into a Redis of its own.
 *   <li>Request bodies: random users of the data's requests, each with 100 random skus of them,
 *       at the data's last request time.
 *   <li>The floor, in this process: per body, one MGET of exactly the keys the server reads for it
 *       and one model call on its 100 rows (the work no server can skip).
 *   <li>The server as its own process ({@code tandem-server.jar}), loaded by wrk (another
 *       process) with random bodies: closed loops at 1, 2, 4 and 8 connections, one run paced at
 *       {@code --rate} requests/s, and {@code /predict} (one row) at 1 and 4 connections.
 * </ol>
 *
 * <p>Arguments: {@code DATA_DIR [--duration SECONDS] [--rate R] [--model DIR] [--work DIR]}. Writes
 * {@code WORK/latency.png} (histograms of the paced run and the 4-connection run) and
 * {@code WORK/serving.txt} (the figures).
 */
public final class ServingBenchmark {
  private static final ObjectMapper JSON = new ObjectMapper();
  static final Path SPEC = Path.of("../feature-spec/specs/jd.yaml").toAbsolutePath().normalize();
  static final Path SERVER_JAR = Path.of("../" + ServeCommand.JAR).toAbsolutePath().normalize();
  private static final int CANDIDATES = 100;
  private static final int BODIES = 2_000;

  private record Run(String name, double rps, double p50, double p99, double p999, long errors, double[] percentiles) {}

  public static void main(String[] args) throws Exception {
    Path data = Path.of(args[0]).toAbsolutePath().normalize();
    Map<String, String> options = new LinkedHashMap<>();
    for (int i = 1; i + 1 < args.length; i += 2) {
      options.put(args[i], args[i + 1]);
    }
    int duration = Integer.parseInt(options.getOrDefault("--duration", "60"));
    int rate = Integer.parseInt(options.getOrDefault("--rate", "500"));
    Path work = Path.of(options.getOrDefault("--work", "target/bench-serving")).toAbsolutePath().normalize();
    Files.createDirectories(work);
    PrintWriter report = new PrintWriter(Files.newBufferedWriter(work.resolve("serving.txt")), true);
    Path model = options.containsKey("--model") ? Path.of(options.get("--model")) : defaultModel(data, work);
    if (!Files.isRegularFile(SERVER_JAR)) {
      throw new IllegalStateException(SERVER_JAR + " not found: build it first (mvn -pl online-server -am package -DskipTests)");
    }
    FeatureSpec spec = FeatureSpec.load(SPEC);
    try (LocalRedis local = LocalRedis.start(Files.createTempDirectory("tandem-bench-redis"))) {
      cli("materialize", "--spec", SPEC.toString(), "--data", data.toString(), "--redis", local.uri(), "--grace-seconds", "0");
      Bodies bodies = bodies(spec, data, work);
      say(report, "model %s; %d bodies, each a random user with %d random skus, at %s", model, BODIES, CANDIDATES, bodies.time);
      floor(spec, local.uri(), model, bodies, report);
      int port;
      try (ServerSocket s = new ServerSocket(0)) {
        port = s.getLocalPort();
      }
      Process server = startServer(local.uri(), model, port, Map.of());
      try {
        String base = "http://127.0.0.1:" + port;
        List<Run> runs = new ArrayList<>();
        wrk(base + "/recommend", work.resolve("recommend.jsonl"), 4, 10, 0, work); // warm-up
        for (int connections : new int[] {1, 2, 4, 8}) {
          runs.add(wrk(base + "/recommend", work.resolve("recommend.jsonl"), connections, duration, 0, work));
          say(report, "%s", line(runs.get(runs.size() - 1)));
        }
        Run four = runs.get(2);
        int connections = 8;
        // Each connection waits a random (exponential) pause after each answer, so that together they offer `rate`.
        double pauseMs = Math.max(0, connections * 1000.0 / rate - four.p50);
        Run paced = wrk(base + "/recommend", work.resolve("recommend.jsonl"), connections, duration, pauseMs, work);
        say(report, "%s", line(paced));
        Run best = runs.stream().filter(r -> r.p99 <= 10).max((a, b) -> Double.compare(a.rps, b.rps)).orElse(null);
        say(report, "maximum throughput at p99 <= 10 ms: %s", best == null ? "none of the runs" : String.format(Locale.ROOT,
            "%.0f requests/s (%s)", best.rps, best.name));
        wrk(base + "/predict", work.resolve("predict.jsonl"), 1, 5, 0, work); // warm-up
        for (int c : new int[] {1, 4}) {
          say(report, "%s", line(wrk(base + "/predict", work.resolve("predict.jsonl"), c, duration, 0, work)));
        }
        plot(List.of(paced, four), work.resolve("latency.png"));
        say(report, "histogram: %s", work.resolve("latency.png"));
      } finally {
        server.destroy();
        server.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  private static void say(PrintWriter report, String format, Object... args) {
    String text = String.format(Locale.ROOT, format, args);
    System.out.println(text);
    report.println(text);
  }

  private static String line(Run r) {
    return String.format(Locale.ROOT, "%-36s %7.0f requests/s  p50 %6.2f ms  p99 %6.2f ms  p99.9 %6.2f ms  errors %d", r.name,
        r.rps, r.p50, r.p99, r.p999, r.errors);
  }

  static void cli(String... args) {
    int code = TandemCli.run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true));
    if (code != TandemCli.OK) {
      throw new IllegalStateException("tandem " + String.join(" ", args) + " failed: exit " + code);
    }
  }

  /** The model a user gets by default: the training set of the data, then {@code tandem train} with no options. */
  static Path defaultModel(Path data, Path work) {
    Path model = work.resolve("model-default");
    if (!Files.isRegularFile(model.resolve("saved_model.pb"))) {
      cli("training-set", "--spec", SPEC.toString(), "--data", data.toString(), "--out", work.resolve("training-set").toString(),
          "--overwrite");
      cli("train", "--train", work.resolve("training-set").toString(), "--out", model.toString());
    }
    return model;
  }

  record Bodies(Instant time, List<String> users, List<List<String>> candidates) {}

  /** Random users and candidates from the data's requests, written as request bodies (one per line) for wrk. */
  static Bodies bodies(FeatureSpec spec, Path data, Path work) throws IOException {
    TableDef request = spec.plan().requestTable();
    List<Object[]> rows = new ArrayList<>();
    TandemFiles.readTable(spec, data.toString(), request, new TandemFiles.TableRows() {
      @Override
      public void row(Object[] values, long sequence) {
        rows.add(values);
      }

      @Override
      public void rejected(String reason) {}
    });
    Set<String> users = new LinkedHashSet<>();
    Set<String> skus = new LinkedHashSet<>();
    Instant last = Instant.EPOCH;
    for (Object[] r : rows) {
      if (r[request.indexOf("user_id")] instanceof String u) {
        users.add(u);
      }
      if (r[request.indexOf("sku_id")] instanceof String s) {
        skus.add(s);
      }
      Instant t = request.timeOf(r);
      last = t != null && t.isAfter(last) ? t : last;
    }
    List<String> userList = new ArrayList<>(users);
    List<String> skuList = new ArrayList<>(skus);
    Random random = new Random(42);
    List<String> picked = new ArrayList<>();
    List<List<String>> candidates = new ArrayList<>();
    List<String> recommend = new ArrayList<>();
    List<String> predict = new ArrayList<>();
    for (int b = 0; b < BODIES; b++) {
      String user = userList.get(random.nextInt(userList.size()));
      List<String> items = new ArrayList<>(new LinkedHashSet<>(random.ints(CANDIDATES * 2L, 0, skuList.size())
          .mapToObj(skuList::get).toList()).stream().limit(CANDIDATES).toList());
      picked.add(user);
      candidates.add(items);
      recommend.add(JSON.writeValueAsString(Map.of("user_id", user, "candidates", items, "n", 10, "event_time", last.toString())));
      Object[] row = spec.serving().requestRow(user, items.get(0), last, "bench-" + b, Map.of());
      predict.add(JSON.writeValueAsString(JsonValues.toJson(request, row)));
    }
    Files.write(work.resolve("recommend.jsonl"), recommend);
    Files.write(work.resolve("predict.jsonl"), predict);
    return new Bodies(last, picked, candidates);
  }

  /** Per body: one MGET of the keys the server reads for it, one model call on its rows; p50 and p99 of each and of both. */
  private static void floor(FeatureSpec spec, String redisUri, Path modelDir, Bodies bodies, PrintWriter report)
      throws Exception {
    RedisKeys keys = MaterializeJob.keys(spec);
    ServingPlan serving = spec.serving();
    ModelEncoder encoder = new ModelEncoder(spec);
    try (RedisState redis = RedisState.connect(redisUri); Scorer scorer = Scorer.load(modelDir, spec)) {
      FeatureFetcher fetcher = new FeatureFetcher(spec, redis, keys);
      long generation = Long.parseLong(new String(redis.getAll(List.of(keys.currentKey())).get(0), StandardCharsets.US_ASCII));
      List<List<byte[]>> stateKeys = new ArrayList<>();
      List<long[][]> ids = new ArrayList<>();
      for (int b = 0; b < BODIES; b++) {
        List<Object[]> rows = new ArrayList<>();
        for (String item : bodies.candidates.get(b)) {
          rows.add(serving.requestRow(bodies.users.get(b), item, bodies.time, "floor-" + b, Map.of()));
        }
        stateKeys.add(fetcher.stateKeys(generation, rows, true));
        ids.add(fetcher.features(rows).stream().map(encoder::encode).toArray(long[][]::new));
      }
      int iterations = 5_000;
      long[] mget = new long[iterations];
      long[] model = new long[iterations];
      long[] both = new long[iterations];
      Random random = new Random(7);
      for (int i = -1_000; i < iterations; i++) {
        int b = random.nextInt(BODIES);
        long t0 = System.nanoTime();
        redis.getAll(stateKeys.get(b));
        long t1 = System.nanoTime();
        scorer.score(ids.get(b));
        long t2 = System.nanoTime();
        if (i >= 0) {
          mget[i] = t1 - t0;
          model[i] = t2 - t1;
          both[i] = t2 - t0;
        }
      }
      say(report, "floor, one request (%d keys on average): MGET p50 %.3f ms p99 %.3f ms; model call on %d rows p50 %.3f ms "
          + "p99 %.3f ms; both p50 %.3f ms p99 %.3f ms (%d iterations, one thread, no load)",
          stateKeys.stream().mapToInt(List::size).sum() / BODIES, p(mget, 50), p(mget, 99), CANDIDATES, p(model, 50),
          p(model, 99), p(both, 50), p(both, 99), iterations);
    }
  }

  /** The server's jar in its own process with the default settings (and {@code environment}); returns once it listens. */
  static Process startServer(String redisUri, Path model, int port, Map<String, String> environment) throws Exception {
    List<String> command = ServeCommand.javaCommand(SERVER_JAR);
    command.addAll(List.of("--spec", SPEC.toString(), "--model", model.toString(), "--redis", redisUri, "--port",
        Integer.toString(port)));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().putAll(environment);
    Process server = builder.start();
    BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
    String line;
    while ((line = out.readLine()) != null) {
      System.out.println("server: " + line);
      if (line.contains("listening on")) {
        Thread drain = new Thread(() -> out.lines().forEach(l -> {}));
        drain.setDaemon(true);
        drain.start();
        return server;
      }
    }
    throw new IllegalStateException("the server stopped before listening");
  }

  private static final String WRK_SCRIPT = """
      local bodies = {}
      for line in io.lines(os.getenv("BODIES")) do bodies[#bodies + 1] = line end
      wrk.method = "POST"
      wrk.headers["Content-Type"] = "application/json"
      local pause = tonumber(os.getenv("PAUSE_MS"))
      setup = function(thread) thread:set("seed", math.random(1, 1000000)) end
      init = function() math.randomseed(seed or os.time()) end
      request = function() return wrk.format(nil, nil, nil, bodies[math.random(#bodies)]) end
      if pause > 0 then delay = function() return -math.log(1 - math.random()) * pause end end
      done = function(summary, latency, requests)
        local f = io.open(os.getenv("RESULT"), "w")
        local e = summary.errors
        f:write(string.format("%d %d %d\\n", summary.requests, summary.duration,
          e.connect + e.read + e.write + e.status + e.timeout))
        for i = 1, 1000 do f:write(string.format("%d\\n", latency:percentile(i / 10))) end
        f:close()
      end
      """;

  private static Run wrk(String url, Path bodies, int connections, int seconds, double pauseMs, Path work) throws Exception {
    Path script = work.resolve("bodies.lua");
    Files.writeString(script, WRK_SCRIPT);
    Path result = work.resolve("wrk-result.txt");
    ProcessBuilder pb = new ProcessBuilder("wrk", "-t" + Math.min(connections, 2), "-c" + connections, "-d" + seconds + "s",
        "--timeout", "5s", "-s", script.toString(), url).redirectErrorStream(true);
    pb.environment().put("BODIES", bodies.toString());
    pb.environment().put("RESULT", result.toString());
    pb.environment().put("PAUSE_MS", Double.toString(pauseMs));
    Process wrk = pb.start();
    String output = new String(wrk.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (wrk.waitFor() != 0) {
      throw new IllegalStateException("wrk failed:\n" + output);
    }
    List<String> lines = Files.readAllLines(result);
    String[] head = lines.get(0).split(" ");
    double[] percentiles = lines.subList(1, lines.size()).stream().mapToDouble(l -> Long.parseLong(l) / 1000.0).toArray();
    String path = url.substring(url.lastIndexOf('/'));
    String name = pauseMs > 0 ? String.format(Locale.ROOT, "%s paced (%d conn., pause %.1f ms)", path, connections, pauseMs)
        : String.format(Locale.ROOT, "%s %d connection%s", path, connections, connections == 1 ? "" : "s");
    return new Run(name, Long.parseLong(head[0]) / (Long.parseLong(head[1]) / 1e6), percentiles[499], percentiles[989],
        percentiles[998], Long.parseLong(head[2]), percentiles);
  }

  /** Latency histograms (0.1 % of the requests between consecutive per-mille points each), one curve per run. */
  private static void plot(List<Run> runs, Path png) throws IOException {
    int width = 900;
    int height = 500;
    int left = 70;
    int bottom = 60;
    double maxMs = runs.stream().mapToDouble(r -> r.percentiles[989]).max().orElse(1) * 1.2;
    int buckets = 120;
    double bucket = maxMs / buckets;
    List<double[]> shares = new ArrayList<>();
    double top = 0;
    for (Run r : runs) {
      double[] share = new double[buckets];
      for (double ms : r.percentiles) {
        share[Math.min(buckets - 1, (int) (ms / bucket))] += 0.1;
      }
      shares.add(share);
      top = Math.max(top, Arrays.stream(share).max().orElse(0));
    }
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, width, height);
    g.setColor(Color.BLACK);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    int plotW = width - left - 20;
    int plotH = height - bottom - 40;
    g.drawLine(left, 40 + plotH, left + plotW, 40 + plotH);
    g.drawLine(left, 40, left, 40 + plotH);
    for (int i = 0; i <= 10; i++) {
      int x = left + plotW * i / 10;
      g.drawString(String.format(Locale.ROOT, "%.1f", maxMs * i / 10), x - 10, 40 + plotH + 18);
      int y = 40 + plotH - plotH * i / 10;
      g.drawString(String.format(Locale.ROOT, "%.1f%%", top * i / 10), 10, y + 4);
    }
    g.drawString("latency (ms); share of requests per " + String.format(Locale.ROOT, "%.2f", bucket) + " ms bucket", left,
        height - 15);
    Color[] colors = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c)};
    g.setStroke(new BasicStroke(2f));
    for (int k = 0; k < runs.size(); k++) {
      g.setColor(colors[k % colors.length]);
      double[] share = shares.get(k);
      int px = left;
      int py = 40 + plotH;
      for (int b = 0; b < buckets; b++) {
        int x = left + (int) ((b + 0.5) * plotW / buckets);
        int y = 40 + plotH - (int) (share[b] / top * plotH);
        g.drawLine(px, py, x, y);
        px = x;
        py = y;
      }
      Run r = runs.get(k);
      g.drawString(String.format(Locale.ROOT, "%s: %.0f/s, p50 %.2f ms, p99 %.2f ms", r.name, r.rps, r.p50, r.p99), left + 10,
          20 + 15 * k);
    }
    g.dispose();
    ImageIO.write(image, "png", png.toFile());
  }

  private static double p(long[] nanos, int percentile) {
    long[] sorted = Arrays.copyOf(nanos, nanos.length);
    Arrays.sort(sorted);
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(percentile / 100.0 * sorted.length) - 1)] / 1e6;
  }
}
