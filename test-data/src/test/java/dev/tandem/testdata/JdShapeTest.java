package dev.tandem.testdata;

import static org.hamcrest.MatcherAssert.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A generated dataset the size of the real sample (13,916 requests) against the sample: key
 * frequencies and time gaps, quantiles side by side, each within a stated tolerance.
 */
class JdShapeTest {
  @TempDir
  Path dir;

  /** Name, then the tolerance as the allowed ratio generated / real (both ways). */
  record Stat(String name, double real, double generated, double ratio) {
    boolean ok() {
      double lo = Math.min(real, generated);
      double hi = Math.max(real, generated);
      return hi == lo || (lo > 0 && hi / lo <= ratio);
    }
  }

  @Test
  void keyFrequenciesAndTimeGapsResembleTheRealSample() throws Exception {
    Path real = JdSample.forTest();
    Path generated = dir.resolve("g");
    new JdGenerator(JdGenerator.Options.defaults(JdSample.REQUESTS)).generate(generated);
    Map<String, Double> r = stats(real);
    Map<String, Double> g = stats(generated);
    Map<String, Double> tolerance = new LinkedHashMap<>();
    tolerance.put("users per request", 1.15);
    tolerance.put("bo_action rows per request", 1.15);
    tolerance.put("bo_comment rows per request", 1.15);
    tolerance.put("bo_product rows per request", 1.25);
    tolerance.put("requests/user p50", 1.0);
    tolerance.put("requests/user p90", 1.5);
    tolerance.put("requests/user p99", 1.5);
    tolerance.put("requests/user max", 2.0);
    tolerance.put("requests/sku p50", 1.5);
    tolerance.put("requests/sku p90", 1.5);
    tolerance.put("requests/sku p99", 2.0);
    tolerance.put("requests/sku max", 3.0);
    tolerance.put("bo_action rows/pair p50", 1.5);
    tolerance.put("bo_action rows/pair p90", 2.0);
    tolerance.put("bo_action rows/pair p99", 2.5);
    tolerance.put("gap between a user's requests p10 (s)", 2.0);
    tolerance.put("gap between a user's requests p50 (s)", 1.5);
    tolerance.put("gap between a user's requests p90 (s)", 1.5);
    tolerance.put("shortest gap between requests of a pair (s)", 1.1);
    List<Stat> table = new ArrayList<>();
    tolerance.forEach((name, ratio) -> table.add(new Stat(name, r.get(name), g.get(name), ratio)));
    StringBuilder report = new StringBuilder(String.format("%-46s %14s %14s %8s%n", "statistic", "real", "generated", "allowed"));
    table.forEach(s -> report.append(String.format("%-46s %14.2f %14.2f %7.2fx%s%n", s.name(), s.real(), s.generated(),
        s.ratio(), s.ok() ? "" : "  <-- out")));
    System.out.print(report);
    for (Stat s : table) {
      assertThat(report.toString(), s.ok(), org.hamcrest.Matchers.is(true));
    }
  }

  static Map<String, Double> stats(Path data) throws Exception {
    List<GenericRecord> requests = ParquetRows.readFolder(data.resolve("flattenRequest_clean"));
    double n = requests.size();
    Map<String, Double> s = new HashMap<>();
    s.put("users per request", ParquetRows.readFolder(data.resolve("bo_user")).size() / n);
    s.put("bo_comment rows per request", ParquetRows.readFolder(data.resolve("bo_comment")).size() / n);
    s.put("bo_product rows per request", ParquetRows.readFolder(data.resolve("bo_product")).size() / n);
    List<GenericRecord> actions = ParquetRows.readFolder(data.resolve("bo_action"));
    s.put("bo_action rows per request", actions.size() / n);

    Map<String, Integer> perUser = new HashMap<>();
    Map<String, Integer> perSku = new HashMap<>();
    Map<String, List<Long>> userTimes = new HashMap<>();
    Map<String, List<Long>> pairTimes = new HashMap<>();
    for (GenericRecord r : requests) {
      String user = r.get("user_id").toString();
      long t = (Long) r.get("eventTime") / 1_000_000;
      perUser.merge(user, 1, Integer::sum);
      perSku.merge(r.get("sku_id").toString(), 1, Integer::sum);
      userTimes.computeIfAbsent(user, k -> new ArrayList<>()).add(t);
      pairTimes.computeIfAbsent(r.get("pair_id").toString(), k -> new ArrayList<>()).add(t);
    }
    Map<String, Integer> perPair = new HashMap<>();
    actions.forEach(a -> perPair.merge(a.get("pair_id").toString(), 1, Integer::sum));
    quantiles(s, "requests/user", new ArrayList<>(perUser.values()));
    quantiles(s, "requests/sku", new ArrayList<>(perSku.values()));
    quantiles(s, "bo_action rows/pair", new ArrayList<>(perPair.values()));
    List<Long> gaps = gaps(userTimes);
    gaps.sort(null);
    s.put("gap between a user's requests p10 (s)", (double) gaps.get((int) (0.10 * (gaps.size() - 1))));
    s.put("gap between a user's requests p50 (s)", (double) gaps.get((int) (0.50 * (gaps.size() - 1))));
    s.put("gap between a user's requests p90 (s)", (double) gaps.get((int) (0.90 * (gaps.size() - 1))));
    s.put("shortest gap between requests of a pair (s)", (double) gaps(pairTimes).stream().mapToLong(Long::longValue).min().orElse(0));
    return s;
  }

  private static List<Long> gaps(Map<String, List<Long>> times) {
    List<Long> gaps = new ArrayList<>();
    for (List<Long> ts : times.values()) {
      ts.sort(null);
      for (int i = 1; i < ts.size(); i++) {
        gaps.add(ts.get(i) - ts.get(i - 1));
      }
    }
    return gaps;
  }

  private static void quantiles(Map<String, Double> s, String name, List<Integer> counts) {
    counts.sort(null);
    s.put(name + " p50", (double) counts.get((int) (0.50 * (counts.size() - 1))));
    s.put(name + " p90", (double) counts.get((int) (0.90 * (counts.size() - 1))));
    s.put(name + " p99", (double) counts.get((int) (0.99 * (counts.size() - 1))));
    s.put(name + " max", (double) counts.get(counts.size() - 1));
  }
}
