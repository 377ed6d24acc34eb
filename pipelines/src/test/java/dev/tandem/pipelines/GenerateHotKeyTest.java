package dev.tandem.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;

import dev.tandem.testdata.ParquetRows;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tandem generate --hot-key-rows N}: the same data as without the option, plus N behaviour
 * rows of the first request's pair (in {@code bo_action/hot-*.parquet}); the printed counts are the
 * files' counts; the features job reads the hot rows, and they change that pair's features only.
 */
class GenerateHotKeyTest {
  private static final int REQUESTS = 300;
  private static final long HOT_ROWS = 5_000;
  private static final Pattern COUNT = Pattern.compile("^ {2}(\\S.*?)\\s+([0-9,]+) rows$", Pattern.MULTILINE);

  @TempDir
  static Path dir;

  static Path plain;
  static Path hot;
  static Map<String, Long> plainCounts;
  static Map<String, Long> hotCounts;

  @BeforeAll
  static void generate() throws Exception {
    plain = dir.resolve("plain");
    hot = dir.resolve("hot");
    plainCounts = generate(plain);
    hotCounts = generate(hot, "--hot-key-rows", Long.toString(HOT_ROWS));
  }

  private static Map<String, Long> generate(Path out, String... options) {
    List<String> args = new ArrayList<>(List.of("generate", "--scale", Integer.toString(REQUESTS), "--out", out.toString()));
    args.addAll(List.of(options));
    TandemCliTest.Result r = TandemCliTest.cli(args.toArray(String[]::new));
    assertThat(r.err(), r.code(), is(0));
    Map<String, Long> counts = new LinkedHashMap<>();
    Matcher m = COUNT.matcher(r.out());
    while (m.find()) {
      counts.put(m.group(1), Long.parseLong(m.group(2).replace(",", "")));
    }
    assertThat(r.out(), counts.containsKey("bo_action"), is(true));
    return counts;
  }

  /**
   * The rows the option added: bo_action with the option less bo_action without it (the same
   * rows, generated from the same seed), each of those taken away once.
   */
  private static List<GenericRecord> addedRows() throws Exception {
    Map<String, Integer> before = new HashMap<>();
    for (GenericRecord r : ParquetRows.readFolder(plain.resolve("bo_action"))) {
      before.merge(r.toString(), 1, Integer::sum);
    }
    List<GenericRecord> added = new ArrayList<>();
    for (GenericRecord r : ParquetRows.readFolder(hot.resolve("bo_action"))) {
      if (before.merge(r.toString(), -1, Integer::sum) < 0) {
        added.add(r);
      }
    }
    assertThat("every row of the data without the option is still there",
        before.values().stream().allMatch(n -> n <= 0), is(true));
    return added;
  }

  private static List<String> files(Path folder, String glob) throws Exception {
    List<String> names = new ArrayList<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(folder, glob)) {
      files.forEach(f -> names.add(f.getFileName().toString()));
    }
    return names;
  }

  @Test
  void theHotPairsRowsAreWrittenAndCounted() throws Exception {
    assertThat(hotCounts.get("bo_action (hot key)"), is(HOT_ROWS));
    // Everything else is the data generated without the option.
    Map<String, Long> others = new LinkedHashMap<>(hotCounts);
    others.remove("bo_action (hot key)");
    assertThat(others, is(plainCounts));
    // The printed counts are the files' counts; bo_action's folder holds both writers' files.
    for (Map.Entry<String, Long> e : plainCounts.entrySet()) {
      long extra = e.getKey().equals("bo_action") ? HOT_ROWS : 0;
      assertThat(e.getKey(), (long) ParquetRows.readFolder(hot.resolve(e.getKey())).size(), is(e.getValue() + extra));
    }

    assertThat(files(plain.resolve("bo_action"), "hot-*.parquet").isEmpty(), is(true));
    assertThat(files(hot.resolve("bo_action"), "hot-*.parquet").isEmpty(), is(false));
    List<GenericRecord> hotRows = addedRows();
    assertThat((long) hotRows.size(), is(HOT_ROWS));
    Set<String> pairs = hotRows.stream().map(r -> r.get("pair_id").toString()).collect(Collectors.toSet());
    assertThat("one pair: " + pairs, pairs.size(), is(1));
    String pair = pairs.iterator().next();
    // The first request's pair: a request of the first user (whose rows come first) is on it.
    List<GenericRecord> requests = ParquetRows.readFolder(hot.resolve("flattenRequest_clean"));
    assertThat(pair, pair.startsWith(requests.get(0).get("user_id") + "_"), is(true));
    assertThat(pair, requests.stream().anyMatch(r -> pair.equals(r.get("pair_id").toString())), is(true));
    // Spread over the data's span (2016-02-01 to 2016-04-15 in +08:00).
    Instant first = Instant.parse("2016-01-31T16:00:00Z");
    Instant end = Instant.parse("2016-04-15T16:00:00Z");
    for (GenericRecord r : hotRows) {
      Instant t = instant(r, "ingestionTime");
      assertThat(t.toString(), !t.isBefore(first) && t.isBefore(end), is(true));
    }
    // By far the hottest key of bo_action.
    Map<String, Long> perPair = new HashMap<>();
    for (GenericRecord r : ParquetRows.readFolder(hot.resolve("bo_action"))) {
      perPair.merge(r.get("pair_id").toString(), 1L, Long::sum);
    }
    long next = perPair.entrySet().stream().filter(e -> !e.getKey().equals(pair)).mapToLong(Map.Entry::getValue)
        .max().orElse(0);
    assertThat(perPair.get(pair), greaterThan(Math.max(HOT_ROWS, 10 * next)));
  }

  @Test
  void theFeaturesJobReadsTheHotRowsAndOnlyThatPairChanges() throws Exception {
    Map<String, GenericRecord> plainFeatures = features(plain, "plain-features", plainCounts.get("bo_action"));
    Map<String, GenericRecord> hotFeatures = features(hot, "hot-features", plainCounts.get("bo_action") + HOT_ROWS);
    assertThat(hotFeatures.keySet(), is(plainFeatures.keySet()));
    String pair = addedRows().get(0).get("pair_id").toString();
    Set<String> changedPairs = new TreeSet<>();
    int changedHotRequests = 0;
    for (Map.Entry<String, GenericRecord> e : plainFeatures.entrySet()) {
      GenericRecord a = e.getValue();
      GenericRecord b = hotFeatures.get(e.getKey());
      boolean changed = false;
      for (Schema.Field f : a.getSchema().getFields()) {
        changed |= !Objects.equals(Objects.toString(a.get(f.name()), null), Objects.toString(b.get(f.name()), null));
      }
      if (changed) {
        String requestPair = Objects.toString(a.get("flattenRequest_pair_id_original_24"), null);
        changedPairs.add(String.valueOf(requestPair));
        changedHotRequests += pair.equals(requestPair) ? 1 : 0;
      }
    }
    assertThat("requests of the hot pair have other features", changedHotRequests, greaterThan(0));
    assertThat(changedPairs, is(Set.of(pair)));
  }

  /** A timestamp column's value (Parquet timestamp in milliseconds or microseconds). */
  private static Instant instant(GenericRecord row, String column) {
    long value = (Long) row.get(column);
    Schema schema = row.getSchema().getField(column).schema();
    List<Schema> branches = schema.getType() == Schema.Type.UNION ? schema.getTypes() : List.of(schema);
    org.apache.avro.LogicalType type = branches.stream().map(Schema::getLogicalType).filter(Objects::nonNull)
        .findFirst().orElse(null);
    assertThat(column + " is a timestamp", type != null, is(true));
    return type.getName().equals("timestamp-micros") ? Instant.EPOCH.plusNanos(value * 1000) : Instant.ofEpochMilli(value);
  }

  /** Runs features on {@code data}; checks the bo_action rows it read; returns the feature rows by request id. */
  private static Map<String, GenericRecord> features(Path data, String name, long boActionRows) throws Exception {
    Path out = dir.resolve(name);
    TandemCliTest.Result r = TandemCliTest.cli("features", "--spec", TandemCliTest.JD_SPEC.toString(),
        "--data", data.toString(), "--out", out.toString());
    assertThat(r.err(), r.code(), is(0));
    assertThat(r.out(), containsString(String.format(java.util.Locale.ROOT, "  %-24s read %,d  rejected 0",
        "bo_action", boActionRows)));
    Map<String, GenericRecord> byId = new HashMap<>();
    for (GenericRecord row : ParquetRows.readFolder(out)) {
      byId.put(row.get("reqId_1").toString(), row);
    }
    assertThat(byId.size(), is(REQUESTS));
    return byId;
  }
}
