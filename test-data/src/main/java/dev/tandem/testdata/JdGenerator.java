package dev.tandem.testdata;

import dev.tandem.spec.FeatureSpec;
import dev.tandem.spec.SpecException;
import dev.tandem.spec.def.TableDef;
import dev.tandem.spec.def.Type;
import dev.tandem.spec.eval.FeaturePlan;
import dev.tandem.spec.eval.IngestedRow;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Generates JD-shaped data at any scale: the six tables of the JD sample, with its schemas (taken
 * from the JD spec, {@code specs/jd.yaml}) and physical types, and a planted signal whose best
 * possible AUC is known.
 *
 * <p><b>Shape</b> (fitted to the real sample, see the README): one user in four has several
 * requests; a user's requests are on one or two (user, sku) pairs; skus are drawn from a
 * Zipf-like law (exponent 0.9) over a catalog of 0.27 N skus. A request is the first event of a
 * pair's burst of behaviour after at least a day of silence: 1 to 9 behaviour rows share its exact
 * instant, more follow seconds to hours later. Times span 2016-02-01 to 2016-04-15 (UTC+8), with
 * the sample's hour-of-day profile and a volume that doubles from February to March. Products
 * exist for category-8 skus only; comments are a weekly grid of 10 rows per sku.
 *
 * <p><b>Signal.</b> Each label is drawn with probability {@code p = (1 - noise) * sigmoid(b + z)
 * + noise * rate}, where {@code z} adds: 2.5 if the pair's 7-day type top-3
 * ({@code bo_action_type_multi_top3frequency_40}) lists '2' (add to cart); 0.6 per user level
 * above 3 ({@code bo_user.user_lv_cd}); 1.0 if {@code bo_product.a2} is '1'; 0.8 if the pair saw 4
 * or more distinct model ids in 14 days ({@code bo_action_model_id_multi_unique_count_19}). The
 * window features are computed by the JD spec's own evaluation core. {@code b} is calibrated so
 * that labels come out at {@code rate}. A positive request gets a purchase ('4') row within five
 * days, as in the sample's label definition. {@code p} is written to {@code _truth}.
 *
 * <p>Memory does not grow with the number of requests: every entity draws from its own random
 * stream, and rows are streamed to Parquet.
 */
public final class JdGenerator {
  public enum Mode { REALISTIC, ADVERSARIAL }

  /** What to generate. */
  public record Options(long requests, long seed, Mode mode, double positiveRate, double noise) {
    public Options {
      if (requests < 1) {
        throw new IllegalArgumentException("--scale must be at least 1, got " + requests);
      }
      if (!(positiveRate > 0 && positiveRate < 1)) {
        throw new IllegalArgumentException("--positive-rate must be in (0, 1), got " + positiveRate);
      }
      if (!(noise >= 0 && noise <= 1)) {
        throw new IllegalArgumentException("--noise must be in [0, 1], got " + noise);
      }
    }

    public static Options defaults(long requests) {
      return new Options(requests, 42, Mode.REALISTIC, 0.009, 0.0);
    }
  }

  /** What was generated. */
  public record Summary(long requests, Map<String, Long> rows, long positives, double trueAuc, double seconds) {
    public double labelRate() {
      return (double) positives / requests;
    }
  }

  public static final String TRUTH = "_truth";
  static final String SPEC_RESOURCE = "/specs/jd.yaml";
  static final long ROWS_PER_FILE = 2_000_000;

  // The sample's calendar, in UTC: 2016-02-01 00:00 to 2016-04-16 00:00 in UTC+8; split 2 from 2016-04-11.
  static final long START = Instant.parse("2016-01-31T16:00:00Z").toEpochMilli();
  static final long END = Instant.parse("2016-04-15T16:00:00Z").toEpochMilli();
  static final long SPLIT_2 = Instant.parse("2016-04-10T16:00:00Z").toEpochMilli();
  static final long DAY = 86_400_000L;
  static final long HOUR = 3_600_000L;
  /** The sample's action file was written by DuckDB, which annotates its INT32 INTEGER(32, signed); the other files' ints are plain. */
  private static final Map<String, Set<String>> ANNOTATED_INTS = Map.of("action", Set.of("actionValue"));

  private static final Instant PRODUCT_LOAD = Instant.parse("2020-10-23T07:42:40.564Z");
  private static final DateTimeFormatter TIME1 =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT).withZone(ZoneOffset.ofHours(8));

  // Random stream kinds.
  private static final int USER = 1;
  private static final int SKU = 2;
  private static final int PAIR = 3;

  private static final double[] REQUEST_HOURS = Draw.cumulative(509, 243, 107, 96, 63, 109, 234, 387, 486, 623, 763,
      747, 668, 668, 726, 706, 702, 686, 634, 714, 947, 1042, 1186, 870);
  // Types of the rows at a request's instant, and of the rows after it: 1 browse, 2 cart, 3 uncart, 5 follow, 6 click.
  private static final String[] TYPES = {"6", "1", "2", "3", "5"};
  private static final double[] TYPES_AT_REQUEST = Draw.cumulative(24477, 11424, 269, 215, 65);
  private static final double[] TYPES_AFTER = Draw.cumulative(38499, 12451, 1121, 380, 188);
  private static final String[] MODEL_IDS = {"0", "216", "217", "218", "26", "27", "211", "24", "29", "21", "17",
      "219", "25", "28", "210", "23", "22", "212", "213", "214", "215", "13", "14", "15", "16", "18", "19"};
  private static final String[] CATES = {"8", "4", "6", "5", "9", "7", "10", "11"};
  private static final double[] CATE_WEIGHTS = Draw.cumulative(1020, 860, 520, 470, 390, 350, 50, 14);
  private static final String[] AGES = {"26-35岁", "36-45岁", "-1", "16-25岁", "46-55岁", "56岁以上", "15岁以下"};
  private static final double[] AGE_WEIGHTS = Draw.cumulative(4331, 2485, 1074, 742, 309, 177, 1);
  private static final double[] SEX_WEIGHTS = Draw.cumulative(4145, 651, 4323);
  private static final double[] LEVEL_WEIGHTS = Draw.cumulative(159, 566, 1699, 2760, 3935);
  private static final double[] COMMENT_NUM_WEIGHTS = Draw.cumulative(1903, 1034, 4217, 4419, 21607);
  private static final double[] A1_WEIGHTS = Draw.cumulative(36, 352, 113, 519);
  private static final double[] A23_WEIGHTS = Draw.cumulative(81, 621, 318);
  private static final String[] SPECIAL_KEY_FORMS = {"u:%s", "{%s}", "%s a b", "\"%s\"", "'%s'", "%s\\", "%s\nnl",
      "键%s", "%s😀", "*%s:{x}"};

  private final Options options;
  private final FeatureSpec spec;
  private final FeaturePlan plan;
  private final long skuCatalog;

  private final int cartFeature;
  private final int modelIdsFeature;
  private double bias;
  private final long hotKeyRows;
  private String firstPair;
  private SkuAttributes firstSku;

  /**
   * Also writes {@code rows} behaviour rows for the first request's pair, spread over the time
   * span (as {@code bo_action/hot-*.parquet}): one key far hotter than any other, to check that
   * memory does not grow with a key's size. Returns a new generator; this one is unchanged.
   */
  public JdGenerator withHotKey(long rows) {
    return new JdGenerator(options, rows);
  }

  public JdGenerator(Options options) {
    this(options, 0);
  }

  private JdGenerator(Options options, long hotKeyRows) {
    this.options = options;
    this.hotKeyRows = hotKeyRows;
    this.spec = jdSpec();
    this.plan = spec.plan();
    this.skuCatalog = Math.max(20, Math.round(0.27 * options.requests()));
    this.cartFeature = featureIndex("bo_action_type_multi_top3frequency_40");
    this.modelIdsFeature = featureIndex("bo_action_model_id_multi_unique_count_19");
  }

  /** The JD spec bundled with Tandem: the generator's table schemas come from it. */
  public static FeatureSpec jdSpec() {
    try (InputStream in = JdGenerator.class.getResourceAsStream(SPEC_RESOURCE)) {
      return FeatureSpec.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), "jd.yaml");
    } catch (IOException | SpecException | NullPointerException e) {
      throw new IllegalStateException("the bundled JD spec " + SPEC_RESOURCE + " does not load", e);
    }
  }

  /** The table of true probabilities: {@code reqId} and {@code p}. */
  public static TableDef truthTable() {
    return new TableDef(TRUTH, TableDef.Role.EVENT, "reqId", null,
        List.of(new TableDef.ColumnDef("reqId", Type.STRING), new TableDef.ColumnDef("p", Type.DOUBLE)));
  }

  /** Writes every table under {@code out} and returns what was written. */
  public Summary generate(Path out) throws IOException {
    long start = System.nanoTime();
    bias = calibrate();
    Files.createDirectories(out);
    Map<String, RollingWriter> writers = new LinkedHashMap<>();
    for (String t : List.of("flattenRequest_clean", "action", "bo_user", "bo_product", "bo_action", "bo_comment")) {
      writers.put(t, new RollingWriter(spec.table(t), out.resolve(t), ROWS_PER_FILE, ANNOTATED_INTS.getOrDefault(t, Set.of())));
    }
    writers.put(TRUTH, new RollingWriter(truthTable(), out.resolve(TRUTH), ROWS_PER_FILE, Set.of()));
    BinnedAuc auc = new BinnedAuc();
    long positives = 0;
    try {
      Sink sink = new Sink(writers, auc);
      long written = 0;
      for (long user = 0; written < options.requests(); user++) {
        written += user(user, options.requests() - written, sink);
      }
      positives = sink.positives;
      for (long sku = 0; sku < skuCatalog; sku++) {
        sku(sku, writers.get("bo_product"), writers.get("bo_comment"));
      }
      if (hotKeyRows > 0) {
        RollingWriter hot = new RollingWriter(spec.table("bo_action"), out.resolve("bo_action"), ROWS_PER_FILE, "hot", Set.of());
        writers.put("bo_action (hot key)", hot);
        SplittableRandom r = Draw.stream(options.seed(), PAIR, -1);
        for (long i = 0; i < hotKeyRows; i++) {
          long t = START + (long) (r.nextDouble() * (END - START)) / 1000 * 1000;
          hot.write(actionRow(firstPair, t, r, TYPES_AFTER, 1, firstSku));
        }
      }
    } finally {
      for (RollingWriter w : writers.values()) {
        w.close();
      }
    }
    Map<String, Long> rows = new LinkedHashMap<>();
    writers.forEach((t, w) -> rows.put(t, w.rows()));
    return new Summary(options.requests(), rows, positives, auc.auc(), (System.nanoTime() - start) / 1e9);
  }

  // ------------------------------------------------------------------ users, pairs, requests

  /** Where a user's rows go: writers, or (for calibration) a list of signal values. */
  private static final class Sink {
    final Map<String, RollingWriter> writers;
    final BinnedAuc auc;
    final List<Double> signals = new ArrayList<>();
    long positives;
    long requests;

    Sink(Map<String, RollingWriter> writers, BinnedAuc auc) {
      this.writers = writers;
      this.auc = auc;
    }

    void write(String table, Object... values) throws IOException {
      if (writers != null) {
        writers.get(table).write(values);
      }
    }
  }

  /** Generates one user and its requests (at most {@code budget}); returns the number of requests. */
  private long user(long user, long budget, Sink sink) throws IOException {
    SplittableRandom r = Draw.stream(options.seed(), USER, user);
    boolean adversarial = options.mode() == Mode.ADVERSARIAL;
    int n = r.nextDouble() < 0.72 ? 1 : 2 + geometric(r, 0.532);
    boolean hot = adversarial && user % 997 == 3;
    if (hot) {
      n = 260; // more than the user window's MAXSIZE 200 within 14 days
    }
    n = (int) Math.min(n, budget);
    String userId = id(user, 200_000, options.requests(), adversarial && user % 7 == 5);
    int level = 1 + Draw.weighted(r, LEVEL_WEIGHTS);
    Object[] userRow = userRow(r, userId, level, adversarial);
    if (adversarial && user % 11 == 0) {
      userRow[4] = user % 22 == 0 ? null : ""; // user_lv_cd NULL or empty
    }
    sink.write("bo_user", userRow);

    int pairs = n >= 2 && r.nextDouble() < 0.09 ? 2 : 1;
    if (n >= 3 && r.nextDouble() < 0.01) {
      pairs = 3;
    }
    long[] skus = new long[pairs];
    for (int p = 0; p < pairs; p++) {
      skus[p] = Draw.zipf(r, skuCatalog, 0.9, 10);
    }
    List<List<Long>> times = new ArrayList<>();
    for (int p = 0; p < pairs; p++) {
      times.add(new ArrayList<>());
    }
    long hotStart = START + (long) (r.nextDouble() * (END - START - 11 * DAY));
    long[] userTimes = hot ? null : requestTimes(r, n);
    long previous = hotStart;
    for (int i = 0; i < n; i++) {
      long t = hot ? hotStart + (long) (r.nextDouble() * 10 * DAY) / 1000 * 1000 : userTimes[i];
      if (hot && i % 10 == 9) {
        t = previous; // two requests of one user at the same instant (on different pairs when it can)
      }
      previous = t;
      if (adversarial && r.nextDouble() < 0.02) {
        t = midnight(t); // a Monday-or-other midnight: equal to a comment row's time
      }
      times.get(i < pairs ? i : r.nextInt(pairs)).add(t);
    }
    for (int p = 0; p < pairs; p++) {
      pair(user, p, userId, userRow, skus[p], spaceOut(times.get(p), hot), sink);
    }
    return n;
  }

  private static int geometric(SplittableRandom r, double p) {
    return (int) Math.floor(Math.log(1 - r.nextDouble()) / Math.log(1 - p));
  }

  /** A pair's requests at least a day apart (a request opens a burst after a day of silence). */
  private static List<Long> spaceOut(List<Long> times, boolean hot) {
    List<Long> sorted = new ArrayList<>(times);
    sorted.sort(null);
    for (int i = 1; i < sorted.size(); i++) {
      if (hot) { // dense on purpose (other pairs of the user may share a second), but one request per second per pair
        if (sorted.get(i) <= sorted.get(i - 1)) {
          sorted.set(i, sorted.get(i - 1) + 1000);
        }
        continue;
      }
      if (sorted.get(i) - sorted.get(i - 1) < DAY + 32_000) {
        sorted.set(i, sorted.get(i - 1) + DAY + 32_000 + (sorted.get(i) % 3_600) * 1000);
      }
    }
    return sorted;
  }

  /**
   * A user's request times: the first on a day drawn by the sample's daily volume; the next
   * ones a log-normal gap later (median 5.2 days, as the sample's); hours of day by the sample's
   * profile. Moved back as a whole when they run past the end of the span.
   */
  private static long[] requestTimes(SplittableRandom r, int n) {
    long[] days = new long[n];
    long day;
    do {
      day = r.nextInt(75);
    } while (day < 29 && r.nextDouble() > 0.45); // February has about half of March's daily volume
    days[0] = day;
    for (int i = 1; i < n; i++) {
      days[i] = days[i - 1] + Math.round(Draw.logNormal(r, 5.2, 1.3));
    }
    long overflow = days[n - 1] - 74;
    long[] times = new long[n];
    for (int i = 0; i < n; i++) {
      long d = Math.max(0, days[i] - Math.max(0, overflow));
      times[i] = START + d * DAY + Draw.weighted(r, REQUEST_HOURS) * HOUR + r.nextInt(3600) * 1000L;
    }
    return times;
  }

  private static long midnight(long t) {
    return Math.floorDiv(t - START, DAY) * DAY + START;
  }

  private void pair(long user, int pairIndex, String userId, Object[] userRow, long skuRank, List<Long> requestTimes,
      Sink sink) throws IOException {
    boolean adversarial = options.mode() == Mode.ADVERSARIAL;
    SplittableRandom r = Draw.stream(options.seed(), PAIR, user * 8 + pairIndex);
    SkuAttributes sku = skuAttributes(skuRank);
    String pairId = userId + "_" + sku.id;
    if (firstPair == null) {
      firstPair = pairId;
      firstSku = sku;
    }
    double cartPropensity = r.nextDouble() < 0.1 ? 6 : 0.45;
    List<Object[]> rows = new ArrayList<>(); // bo_action rows: ingestionTime, pair_id, time, model_id, type, cate, br
    List<Long> silenceUntil = new ArrayList<>(requestTimes.subList(1, requestTimes.size()));
    silenceUntil.add(Long.MAX_VALUE);
    for (int i = 0; i < requestTimes.size(); i++) {
      long t = requestTimes.get(i);
      if (r.nextDouble() < 0.025) { // a burst without a request, days before
        burst(r, rows, pairId, sku, t - DAY - (long) (r.nextDouble() * 9 * DAY) / 1000 * 1000, t, cartPropensity, false);
      }
      burst(r, rows, pairId, sku, t, silenceUntil.get(i) - DAY, cartPropensity, true);
      if (adversarial) {
        adversarialRows(r, rows, pairId, sku, t);
      }
    }
    rows.sort((a, b) -> Long.compare(((Instant) a[0]).toEpochMilli(), ((Instant) b[0]).toEpochMilli())); // stable
    List<Object[]> history = new ArrayList<>(rows);
    for (long t : requestTimes) {
      Object[] request = requestRow(r, userId, sku.id, pairId, t, sink.requests++, adversarial);
      double z = signal(request, history, userRow, sku);
      if (sink.writers == null) {
        sink.signals.add(z); // calibration: a bounded sample
      }
      double p = probability(z);
      boolean label = r.nextDouble() < p;
      String reqId = (String) request[0];
      sink.write("flattenRequest_clean", request);
      sink.write("action", reqId, Instant.ofEpochMilli(t), Instant.ofEpochMilli(t), label ? 1 : 0);
      sink.write(TRUTH, reqId, p);
      if (sink.auc != null) {
        sink.auc.add(p, label);
      }
      if (label) {
        sink.positives++;
        long delay = Math.min(5 * DAY - 1000, 1000 * Math.max(1, (long) Draw.logNormal(r, 28_619, 1.7)));
        Object[] purchase = actionRow(pairId, t + delay, "", "4", sku);
        rows.add(purchase);
        insertInOrder(history, purchase);
      }
    }
    rows.sort((a, b) -> Long.compare(((Instant) a[0]).toEpochMilli(), ((Instant) b[0]).toEpochMilli()));
    for (Object[] row : rows) {
      sink.write("bo_action", row);
    }
  }

  private static void insertInOrder(List<Object[]> rows, Object[] row) {
    long t = ((Instant) row[0]).toEpochMilli();
    int i = rows.size();
    while (i > 0 && ((Instant) rows.get(i - 1)[0]).toEpochMilli() > t) {
      i--;
    }
    rows.add(i, row);
  }

  /** Behaviour rows of one burst: some at {@code t} exactly, then follow-ups before {@code until}. */
  private void burst(SplittableRandom r, List<Object[]> rows, String pairId, SkuAttributes sku, long t, long until,
      double cartPropensity, boolean opensRequest) {
    int atStart = Math.min(9, 1 + Draw.poisson(r, 1.85));
    for (int k = 0; k < atStart; k++) {
      rows.add(actionRow(pairId, t, r, opensRequest ? TYPES_AT_REQUEST : TYPES_AFTER, cartPropensity, sku));
    }
    int after = (int) Math.min(400, Math.floor(Draw.logNormal(r, 1.5, 1.4)));
    long time = t;
    for (int k = 0; k < after; k++) {
      time += 1000 * Math.max(1, Math.min(12 * 3600, (long) Draw.logNormal(r, 30, 3.5)));
      if (time >= until) {
        break;
      }
      rows.add(actionRow(pairId, time, r, TYPES_AFTER, cartPropensity, sku));
    }
  }

  private Object[] actionRow(String pairId, long time, SplittableRandom r, double[] typeWeights, double cartPropensity,
      SkuAttributes sku) {
    double[] weights = typeWeights.clone();
    double cart = (weights[2] - weights[1]) * (cartPropensity - 1);
    for (int i = 2; i < weights.length; i++) {
      weights[i] += cart;
    }
    String type = TYPES[Draw.weighted(r, weights)];
    String modelId = !type.equals("6") || r.nextDouble() < 0.022 ? "" : MODEL_IDS[(int) Draw.zipf(r, MODEL_IDS.length, 1.3, 0)];
    Object[] row = actionRow(pairId, time, modelId, type, sku);
    if (options.mode() == Mode.ADVERSARIAL) {
      for (int column : new int[] {3, 4, 5, 6}) { // model_id, type, cate, br: NULL or empty now and then
        double u = r.nextDouble();
        if (u < 0.02) {
          row[column] = null;
        } else if (u < 0.04) {
          row[column] = "";
        }
      }
    }
    return row;
  }

  private static Object[] actionRow(String pairId, long time, String modelId, String type, SkuAttributes sku) {
    return new Object[] {Instant.ofEpochMilli(time), pairId, time, modelId, type, sku.cate, sku.brand};
  }

  /** Rows that attack frame edges and ties: many at the request's instant, some exactly on window boundaries. */
  private void adversarialRows(SplittableRandom r, List<Object[]> rows, String pairId, SkuAttributes sku, long t) {
    double u = r.nextDouble();
    if (u < 0.03) {
      int many = 60 + r.nextInt(120); // beyond MAXSIZE 100, all at the request's time
      for (int k = 0; k < many; k++) {
        rows.add(actionRow(pairId, t, r, TYPES_AFTER, 1, sku));
      }
    } else if (u < 0.10) {
      for (long back : new long[] {10 * HOUR, 7 * DAY, 14 * DAY, 10 * HOUR + 1000, 14 * DAY + 1000}) {
        rows.add(actionRow(pairId, t - back, r, TYPES_AFTER, 1, sku));
      }
    }
  }

  private Object[] requestRow(SplittableRandom r, String userId, String skuId, String pairId, long t, long number,
      boolean adversarial) {
    String time1 = TIME1.format(Instant.ofEpochMilli(t));
    String reqId = pairId + "_" + time1;
    String mainId = id(number, 100, options.requests(), false); // unique, not in time order
    Object[] row = {reqId, Instant.ofEpochMilli(t), mainId, pairId, userId, skuId, t, t >= SPLIT_2 ? 2 : 1, time1};
    if (adversarial) {
      double u = r.nextDouble();
      if (u < 0.01) {
        row[3] = null; // NULL pair: its windows hold only itself
      } else if (u < 0.02) {
        row[4] = null; // NULL user
      } else if (u < 0.03) {
        row[5] = null; // NULL sku
      } else if (u < 0.04) {
        row[2] = "";
      }
    }
    return row;
  }

  private static Object[] userRow(SplittableRandom r, String userId, int level, boolean adversarial) {
    int year = 2004 + (int) Math.min(12, Math.floor(Draw.logNormal(r, 8.6, 0.25)));
    long registered = Instant.parse(year + "-01-01T00:00:00Z").toEpochMilli() - 8 * HOUR + r.nextInt(365) * DAY;
    String age = AGES[Draw.weighted(r, AGE_WEIGHTS)];
    String sex = Integer.toString(Draw.weighted(r, SEX_WEIGHTS));
    if (adversarial && r.nextDouble() < 0.05) {
      age = r.nextBoolean() ? null : "";
      sex = r.nextBoolean() ? null : "";
    }
    return new Object[] {Instant.ofEpochMilli(registered), userId, age, sex, Integer.toString(level), registered};
  }

  // ------------------------------------------------------------------ skus: products and comments

  private record SkuAttributes(String id, String cate, String brand, String a1, String a2, String a3) {}

  private SkuAttributes skuAttributes(long rank) {
    SplittableRandom r = Draw.stream(options.seed(), SKU, rank);
    String cate = CATES[Draw.weighted(r, CATE_WEIGHTS)];
    String brand = Long.toString(cate.equals("8") ? 214 + Draw.zipf(r, 32, 1.6, 0) * 37 : 1 + Draw.zipf(r, 221, 1.1, 0) * 7);
    String a1 = new String[] {"-1", "1", "2", "3"}[Draw.weighted(r, A1_WEIGHTS)];
    String a2 = new String[] {"-1", "1", "2"}[Draw.weighted(r, A23_WEIGHTS)];
    String a3 = new String[] {"-1", "1", "2"}[Draw.weighted(r, A23_WEIGHTS)];
    boolean special = options.mode() == Mode.ADVERSARIAL && rank % 13 == 7;
    return new SkuAttributes(id(rank, 10, skuCatalog, special), cate, brand, a1, a2, a3);
  }

  private void sku(long rank, RollingWriter products, RollingWriter comments) throws IOException {
    SkuAttributes sku = skuAttributes(rank);
    SplittableRandom r = Draw.stream(options.seed(), SKU, rank + (1L << 40));
    boolean adversarial = options.mode() == Mode.ADVERSARIAL;
    if (sku.cate.equals("8")) {
      Object[] product = {PRODUCT_LOAD, sku.id, sku.a1, sku.a2, sku.a3, sku.cate, sku.brand};
      if (adversarial && r.nextDouble() < 0.1) {
        product[2 + r.nextInt(3)] = r.nextBoolean() ? null : "";
      }
      products.write(product);
    }
    if (r.nextDouble() >= 0.9) {
      return; // one sku in ten has no comments
    }
    boolean daily = adversarial && rank < 3; // hot: over 100 rows in 64 days, some exactly 64 days before a midnight request
    int commentNum = Draw.weighted(r, COMMENT_NUM_WEIGHTS);
    double badShare = r.nextDouble() < 0.26 ? 0 : Draw.logNormal(r, 0.032, 0.8);
    long step = daily ? DAY / 2 : 7 * DAY;
    for (long t = START; t < START + 70 * DAY; t += step) {
      if (r.nextDouble() < 0.05) {
        commentNum = Draw.weighted(r, COMMENT_NUM_WEIGHTS);
      }
      float rate = commentNum == 0 ? 0f : (float) (Math.round(Math.min(1, badShare * (0.7 + 0.6 * r.nextDouble())) * 10_000) / 10_000.0);
      String hasBad = rate > 0 ? "1" : "0";
      if (adversarial) {
        double u = r.nextDouble();
        if (u < 0.03) {
          rate = -0.5f;
        } else if (u < 0.06) {
          rate = -0.0f;
        } else if (u < 0.08) {
          hasBad = null;
        } else if (u < 0.10) {
          hasBad = "";
        }
      }
      comments.write(Instant.ofEpochMilli(t), t, sku.id, commentNum, hasBad, rate);
    }
  }

  // ------------------------------------------------------------------ ids

  /**
   * A stable id of entity {@code index}: a number from a permutation of a power-of-ten range above
   * {@code base}; in adversarial mode some ids carry characters special to Redis keys and JSON.
   */
  private static String id(long index, long base, long population, boolean special) {
    long m = 10;
    while (m < population * 4) {
      m *= 10;
    }
    String plain = Long.toString(base + Draw.scramble(index, m));
    if (!special) {
      return plain;
    }
    return String.format(SPECIAL_KEY_FORMS[(int) Math.floorMod(index, (long) SPECIAL_KEY_FORMS.length)], plain);
  }

  // ------------------------------------------------------------------ the planted signal

  private int featureIndex(String name) {
    for (int i = 0; i < spec.features().size(); i++) {
      if (spec.features().get(i).name().equals(name)) {
        return i;
      }
    }
    throw new IllegalStateException("the JD spec has no feature " + name);
  }

  private double probability(double z) {
    double pSignal = 1 / (1 + Math.exp(-(bias + z)));
    return (1 - options.noise()) * pSignal + options.noise() * options.positiveRate();
  }

  /** z: computed from JD features of the request, by the spec's evaluation core. */
  private double signal(Object[] request, List<Object[]> history, Object[] userRow, SkuAttributes sku) {
    Object[] features = features(request, history, userRow, sku);
    double z = 0;
    String types7d = (String) features[cartFeature];
    if (Arrays.asList(types7d.split(",", -1)).contains("2")) {
      z += 2.5;
    }
    String level = (String) userRow[4];
    if (level != null && !level.isEmpty()) {
      z += 0.6 * (Integer.parseInt(level) - 3);
    }
    if (sku.cate.equals("8") && "1".equals(sku.a2)) {
      z += 1.0;
    }
    Long modelIds = (Long) features[modelIdsFeature];
    if (modelIds != null && modelIds >= 4) {
      z += 0.8;
    }
    return z;
  }

  /**
   * The JD feature row of a request from its pair's behaviour rows, its user row and its product,
   * by the core's one evaluate entry (which applies the frames and ignores rows after the request).
   */
  private Object[] features(Object[] request, List<Object[]> history, Object[] userRow, SkuAttributes sku) {
    List<IngestedRow> pairRows = new ArrayList<>();
    for (int i = 0; i < history.size(); i++) {
      if (Objects.equals(history.get(i)[1], request[3])) {
        pairRows.add(new IngestedRow(history.get(i), i));
      }
    }
    List<IngestedRow> user = List.of(new IngestedRow(userRow, 0));
    List<IngestedRow> product = sku.cate.equals("8")
        ? List.of(new IngestedRow(new Object[] {PRODUCT_LOAD, sku.id, sku.a1, sku.a2, sku.a3, sku.cate, sku.brand}, 0))
        : List.of();
    return plan.evaluate(request, Long.MAX_VALUE, (store, key) -> switch (store.table().name()) {
      case "bo_action" -> pairRows;
      case "bo_user" -> user;
      case "bo_product" -> product;
      default -> List.of(); // windows over other users' requests and comments play no part in the signal
    });
  }

  /** The bias b for which the mean of sigmoid(b + z) over a sample of requests is the positive rate. */
  private double calibrate() throws IOException {
    Sink dry = new Sink(null, null);
    bias = -50; // no label drawn while sampling z
    long sampled = 0;
    for (long user = 0; sampled < Math.min(20_000, options.requests()); user++) {
      sampled += user(user, Long.MAX_VALUE, dry);
    }
    double lo = -30;
    double hi = 30;
    for (int i = 0; i < 100; i++) {
      double mid = (lo + hi) / 2;
      double mean = 0;
      for (double z : dry.signals) {
        mean += 1 / (1 + Math.exp(-(mid + z)));
      }
      mean /= dry.signals.size();
      if (mean < options.positiveRate()) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    return (lo + hi) / 2;
  }
}
