package dev.tandem.online;

import dev.tandem.spec.FeatureSpec;
import dev.tandem.spec.SpecException;
import dev.tandem.spec.def.TableDef;
import dev.tandem.spec.eval.IngestedRow;
import dev.tandem.spec.eval.StatePlan;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Small JD-shaped data for the server's tests, made here (the online server cannot read the
 * Parquet fixtures without Hadoop): 20 users, 40 skus, their users' and products' dimension rows,
 * comments, behaviour rows of some pairs and past requests, all before {@link #T}. The same seed
 * gives the same rows. {@link #lookup} serves the rows to the core's evaluate entry straight from
 * memory (every row, unretained, sequence = its position in its table): an independent path to
 * the features that state in Redis must give.
 */
public final class JdFixture {
  /** Every row is at or before T; live requests in the tests are at T + 1 h. */
  public static final Instant T = Instant.parse("2016-04-10T02:00:00Z");
  public static final int USERS = 20;
  public static final int SKUS = 40;

  final FeatureSpec spec;
  /** Rows per table, in ingestion order (time order within a table). */
  public final Map<String, List<Object[]>> rows = new LinkedHashMap<>();

  private JdFixture(FeatureSpec spec) {
    this.spec = spec;
  }

  public static Path specPath() {
    for (Path p : List.of(Path.of("../feature-spec/specs/jd.yaml"), Path.of("feature-spec/specs/jd.yaml"))) {
      if (Files.isRegularFile(p)) {
        return p.toAbsolutePath().normalize();
      }
    }
    throw new IllegalStateException("feature-spec/specs/jd.yaml not found from " + Path.of("").toAbsolutePath());
  }

  public static FeatureSpec jdSpec() {
    try {
      return FeatureSpec.load(specPath());
    } catch (SpecException e) {
      throw new IllegalStateException(e.getMessage(), e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static String user(int u) {
    return "u" + u;
  }

  public static String sku(int s) {
    return "s" + s;
  }

  public static JdFixture create(FeatureSpec spec, long seed) {
    JdFixture f = new JdFixture(spec);
    SplittableRandom random = new SplittableRandom(seed);
    Instant t0 = T.minus(Duration.ofDays(20));
    List<Object[]> users = new ArrayList<>();
    for (int u = 0; u < USERS; u++) {
      users.add(f.row("bo_user", Map.of("ingestionTime", t0.plusSeconds(u), "user_id", user(u),
          "age", Integer.toString(random.nextInt(7)), "sex", Integer.toString(random.nextInt(2)),
          "user_lv_cd", Integer.toString(1 + random.nextInt(5)), "user_reg_tm", 1_400_000_000_000L + u * 86_400_000L)));
    }
    f.rows.put("bo_user", users);
    List<Object[]> products = new ArrayList<>();
    for (int s = 0; s < SKUS - 5; s++) { // the last five skus have no product row
      products.add(f.row("bo_product", Map.of("ingestionTime", t0.plusSeconds(100 + s), "sku_id", sku(s),
          "a1", Integer.toString(random.nextInt(4) - 1), "a2", Integer.toString(random.nextInt(3)),
          "a3", Integer.toString(random.nextInt(3)), "cate", "8", "br", "b" + random.nextInt(6))));
    }
    f.rows.put("bo_product", products);
    List<Object[]> comments = new ArrayList<>();
    for (int week = 0; week < 3; week++) {
      for (int s = 0; s < SKUS; s++) {
        if (random.nextInt(4) == 0) {
          continue;
        }
        Instant at = t0.plus(Duration.ofDays(7L * week)).plusSeconds(s);
        comments.add(f.row("bo_comment", Map.of("ingestionTime", at, "dt", at.toEpochMilli(), "sku_id", sku(s),
            "comment_num", random.nextInt(5), "has_bad_comment", Integer.toString(random.nextInt(2)),
            "bad_comment_rate", (float) (random.nextInt(1000) / 10000.0))));
      }
    }
    f.rows.put("bo_comment", comments);
    // Behaviour rows and past requests, merged in time order.
    List<Object[]> actions = new ArrayList<>();
    List<Object[]> requests = new ArrayList<>();
    List<Object[]> labels = new ArrayList<>();
    List<Object[]> pending = new ArrayList<>();
    for (int u = 0; u < USERS; u++) {
      int pairs = 1 + random.nextInt(5);
      for (int p = 0; p < pairs; p++) {
        int s = random.nextInt(SKUS);
        String pair = user(u) + "_" + sku(s);
        int behaviour = 1 + random.nextInt(8);
        for (int b = 0; b < behaviour; b++) {
          Instant at = T.minus(Duration.ofMinutes(30 + random.nextInt(13 * 24 * 60)));
          pending.add(new Object[] {at, "bo_action", f.row("bo_action", Map.of("ingestionTime", at, "pair_id", pair,
              "time", at.toEpochMilli(), "model_id", "m" + random.nextInt(12), "type", Integer.toString(1 + random.nextInt(6)),
              "cate", "8", "br", "b" + random.nextInt(6)))});
        }
        Instant at = T.minus(Duration.ofMinutes(10 + random.nextInt(9 * 24 * 60)));
        String reqId = "past-" + u + "-" + p;
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("reqId", reqId);
        request.put("eventTime", at);
        request.put("main_id", Integer.toString(u * 100 + p));
        request.put("pair_id", pair);
        request.put("user_id", user(u));
        request.put("sku_id", sku(s));
        request.put("time", at.toEpochMilli());
        request.put("split_id", 1);
        request.put("time1", "t");
        pending.add(new Object[] {at, "flattenRequest_clean", f.row("flattenRequest_clean", request)});
        if (random.nextInt(3) == 0) {
          pending.add(new Object[] {at, "action", f.row("action", Map.of("reqId", reqId, "eventTime", at,
              "ingestionTime", at, "actionValue", 1))});
        }
      }
    }
    pending.sort((a, b) -> ((Instant) a[0]).compareTo((Instant) b[0]));
    for (Object[] p : pending) {
      switch ((String) p[1]) {
        case "bo_action" -> actions.add((Object[]) p[2]);
        case "flattenRequest_clean" -> requests.add((Object[]) p[2]);
        default -> labels.add((Object[]) p[2]);
      }
    }
    f.rows.put("bo_action", actions);
    f.rows.put("flattenRequest_clean", requests);
    f.rows.put("action", labels);
    return f;
  }

  /** A row of {@code table} from column values by name (others NULL). */
  public Object[] row(String table, Map<String, Object> values) {
    TableDef t = spec.table(table);
    Object[] row = new Object[t.columns().size()];
    values.forEach((column, value) -> {
      int i = t.indexOf(column);
      if (i < 0) {
        throw new IllegalArgumentException(table + " has no column " + column);
      }
      row[i] = value;
    });
    return row;
  }

  /** The rows as the core's evaluator would see them stored: each row in every store of its table, unretained. */
  public StatePlan.Lookup lookup() {
    return lookup(Map.of());
  }

  /** As {@link #lookup()}, with {@code extra} rows per table appended after the fixture's rows. */
  public StatePlan.Lookup lookup(Map<String, List<Object[]>> extra) {
    Map<StatePlan.Ref, List<IngestedRow>> state = new LinkedHashMap<>();
    for (TableDef t : spec.tables()) {
      List<Object[]> all = new ArrayList<>(rows.getOrDefault(t.name(), List.of()));
      all.addAll(extra.getOrDefault(t.name(), List.of()));
      for (StatePlan.Store store : spec.plan().state().storesOf(t.name())) {
        for (int i = 0; i < all.size(); i++) {
          Object key = store.key(all.get(i));
          if (key != null) {
            state.computeIfAbsent(new StatePlan.Ref(store, key), r -> new ArrayList<>())
                .add(new IngestedRow(store.project(all.get(i)), i + 1));
          }
        }
      }
    }
    return (store, key) -> state.getOrDefault(new StatePlan.Ref(store, key), List.of());
  }

  /** Ingests every row into {@code generation}: dimension tables first, then the rest, each table in its order. */
  /** Ingests the fixture into a new generation of {@code state} and points {@code current} to it; returns the generation. */
  public long ingestAsCurrent(FeatureSpec spec, RedisState state) {
    RedisKeys keys = new RedisKeys(spec.name(), Integer.toString(spec.version()));
    long generation = state.incrBy(keys.generationsKey(), 1);
    state.set(keys.currentKey(), Long.toString(generation).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    ingest(new Ingestion(spec, state, keys), generation);
    return generation;
  }

  public void ingest(Ingestion ingestion, long generation) {
    for (Map.Entry<String, List<Object[]>> e : rows.entrySet()) {
      List<Ingestion.Event> events = new ArrayList<>();
      for (int i = 0; i < e.getValue().size(); i++) {
        events.add(new Ingestion.Event(e.getKey() + "-" + i, e.getValue().get(i)));
      }
      for (Ingestion.Result r : ingestion.ingest(generation, e.getKey(), events)) {
        if (r.status() != Ingestion.Status.ACCEPTED) {
          throw new IllegalStateException(e.getKey() + ": " + r);
        }
      }
    }
  }
}
