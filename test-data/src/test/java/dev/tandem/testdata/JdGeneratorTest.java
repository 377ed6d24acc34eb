package dev.tandem.testdata;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.closeTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.Type;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The generator: same seed same bytes, the sample's physical layout, a known signal, adversarial content. */
class JdGeneratorTest {
  static final List<String> TABLES =
      List.of("flattenRequest_clean", "action", "bo_user", "bo_product", "bo_action", "bo_comment");

  @TempDir
  Path dir;

  static JdGenerator.Summary generate(Path out, long n, long seed, JdGenerator.Mode mode, double rate, double noise)
      throws IOException {
    return new JdGenerator(new JdGenerator.Options(n, seed, mode, rate, noise)).generate(out);
  }

  @Test
  void theSameSeedWritesTheSameBytesInBothModes() throws IOException {
    for (JdGenerator.Mode mode : JdGenerator.Mode.values()) {
      Path a = dir.resolve(mode + "-a");
      Path b = dir.resolve(mode + "-b");
      Path c = dir.resolve(mode + "-c");
      generate(a, 1500, 7, mode, 0.1, 0);
      generate(b, 1500, 7, mode, 0.1, 0);
      generate(c, 1500, 8, mode, 0.1, 0);
      List<Path> files = files(a);
      assertThat(files.size(), is(TABLES.size() + 1));
      for (Path f : files) {
        assertThat(mode + " " + f, Arrays.equals(Files.readAllBytes(a.resolve(f)), Files.readAllBytes(b.resolve(f))), is(true));
      }
      assertThat(Arrays.equals(Files.readAllBytes(a.resolve("bo_action/part-00000.parquet")),
          Files.readAllBytes(c.resolve("bo_action/part-00000.parquet"))), is(false));
    }
  }

  @Test
  void theCommittedFixturesAreWhatTheGeneratorWrites() throws IOException {
    for (JdGenerator.Mode mode : JdGenerator.Mode.values()) {
      Path fixture = Fixtures.jd(mode);
      Path regenerated = dir.resolve(mode.name());
      generate(regenerated, Fixtures.REQUESTS, 42, mode, 0.009, 0);
      for (Path f : files(fixture)) {
        assertThat(mode + " " + f, Arrays.equals(Files.readAllBytes(fixture.resolve(f)),
            Files.readAllBytes(regenerated.resolve(f))), is(true));
      }
    }
  }

  @Test
  void filesHaveTheRealSamplesColumnsAndPhysicalTypes() throws IOException {
    Path sample = JdSample.forTest();
    Path out = dir.resolve("g");
    generate(out, 500, 1, JdGenerator.Mode.REALISTIC, 0.009, 0);
    for (String table : TABLES) {
      MessageType real = schema(Files.list(sample.resolve(table)).findFirst().orElseThrow());
      MessageType generated = schema(out.resolve(table).resolve("part-00000.parquet"));
      assertThat(table, describe(generated), is(describe(real)));
    }
  }

  @Test
  void truthHoldsOneProbabilityPerRequestAndLabelsFollowTheRate() throws Exception {
    Path out = dir.resolve("g");
    JdGenerator.Summary s = generate(out, 4000, 3, JdGenerator.Mode.REALISTIC, 0.5, 0);
    List<GenericRecord> truth = ParquetRows.readFolder(out.resolve(JdGenerator.TRUTH));
    List<GenericRecord> requests = ParquetRows.readFolder(out.resolve("flattenRequest_clean"));
    Set<String> reqIds = new HashSet<>();
    requests.forEach(r -> reqIds.add(r.get("reqId").toString()));
    assertThat(reqIds.size(), is(4000));
    Set<String> truthIds = new HashSet<>();
    List<Double> ps = new ArrayList<>();
    truth.forEach(r -> {
      truthIds.add(r.get("reqId").toString());
      ps.add((Double) r.get("p"));
    });
    assertThat(truthIds, is(reqIds));
    assertThat(ps, everyItem(closeTo(0.5, 0.5)));
    assertThat(s.labelRate(), closeTo(0.5, 0.05));
    long positives = ParquetRows.readFolder(out.resolve("action")).stream()
        .filter(r -> ((Integer) r.get("actionValue")) == 1).count();
    assertThat(positives, is(s.positives()));
  }

  @Test
  void noiseLowersTheBestPossibleAuc() throws IOException {
    double clean = generate(dir.resolve("a"), 20_000, 5, JdGenerator.Mode.REALISTIC, 0.5, 0).trueAuc();
    double half = generate(dir.resolve("b"), 20_000, 5, JdGenerator.Mode.REALISTIC, 0.5, 0.5).trueAuc();
    double pure = generate(dir.resolve("c"), 20_000, 5, JdGenerator.Mode.REALISTIC, 0.5, 1).trueAuc();
    assertThat(clean, greaterThan(half + 0.03));
    assertThat(half, greaterThan(pure + 0.03));
    assertThat(pure, closeTo(0.5, 0.03));
  }

  @Test
  void adversarialDataAttacksTiesFrameEdgesHotKeysNullsAndOddKeys() throws Exception {
    Path out = dir.resolve("adv");
    generate(out, 5000, 11, JdGenerator.Mode.ADVERSARIAL, 0.009, 0);
    List<GenericRecord> actions = ParquetRows.readFolder(out.resolve("bo_action"));
    List<GenericRecord> requests = ParquetRows.readFolder(out.resolve("flattenRequest_clean"));
    List<GenericRecord> comments = ParquetRows.readFolder(out.resolve("bo_comment"));

    Map<String, Set<Long>> times = new HashMap<>();
    Map<String, Integer> rowsAtOneInstant = new HashMap<>();
    for (GenericRecord a : actions) {
      Object pair = a.get("pair_id");
      if (pair != null) {
        long t = (Long) a.get("ingestionTime") / 1000;
        times.computeIfAbsent(pair.toString(), k -> new HashSet<>()).add(t);
        rowsAtOneInstant.merge(pair + "@" + t, 1, Integer::sum);
      }
    }
    Set<String> offsets = new HashSet<>();
    int atRequestInstant = 0;
    for (GenericRecord r : requests) {
      Object pair = r.get("pair_id");
      if (pair == null) {
        continue;
      }
      long t = (Long) r.get("eventTime") / 1000;
      Set<Long> ts = times.getOrDefault(pair.toString(), Set.of());
      atRequestInstant += ts.contains(t) ? 1 : 0;
      for (long back : new long[] {10 * JdGenerator.HOUR, 7 * JdGenerator.DAY, 14 * JdGenerator.DAY}) {
        if (ts.contains(t - back)) {
          offsets.add(Long.toString(back));
        }
      }
    }
    assertThat("rows at a request's exact instant", atRequestInstant, greaterThan(1000));
    assertThat("rows exactly 10h, 7d and 14d before a request", offsets.size(), is(3));
    assertThat("a pair with more rows at one instant than MAXSIZE", rowsAtOneInstant.values().stream()
        .mapToInt(Integer::intValue).max().orElse(0), greaterThan(100));

    Map<String, Integer> requestsPerUser = new HashMap<>();
    requests.forEach(r -> requestsPerUser.merge(String.valueOf(r.get("user_id")), 1, Integer::sum));
    assertThat("a user with more requests than the 14d window's MAXSIZE", requestsPerUser.values().stream()
        .mapToInt(Integer::intValue).max().orElse(0), greaterThan(200));

    for (String column : List.of("model_id", "type", "cate", "br")) {
      List<String> values = actions.stream().map(a -> a.get(column) == null ? null : a.get(column).toString()).toList();
      assertThat(column, values, hasItem((String) null));
      assertThat(column, values, hasItem(""));
    }
    List<String> keys = new ArrayList<>();
    requests.forEach(r -> keys.add(r.get("pair_id") == null ? null : r.get("pair_id").toString()));
    assertThat(keys, hasItem((String) null));
    assertThat(keys.stream().anyMatch(k -> k != null && k.contains(":")), is(true));
    assertThat(keys.stream().anyMatch(k -> k != null && k.contains("{")), is(true));
    assertThat(keys.stream().anyMatch(k -> k != null && k.contains("\"")), is(true));
    assertThat(keys.stream().anyMatch(k -> k != null && k.contains(" ")), is(true));
    assertThat(keys.stream().anyMatch(k -> k != null && k.chars().anyMatch(ch -> ch > 127)), is(true));

    List<Float> rates = comments.stream().map(c -> (Float) c.get("bad_comment_rate")).toList();
    assertThat(rates.stream().anyMatch(f -> f < 0), is(true));
    assertThat(rates.stream().anyMatch(f -> Float.floatToIntBits(f) == Float.floatToIntBits(-0.0f)), is(true));
    assertThat(rates.stream().anyMatch(f -> Float.floatToIntBits(f) == 0), is(true));
    Map<String, Integer> commentsPerSku = new HashMap<>();
    comments.forEach(c -> commentsPerSku.merge(String.valueOf(c.get("sku_id")), 1, Integer::sum));
    assertThat(commentsPerSku.values().stream().mapToInt(Integer::intValue).max().orElse(0), greaterThan(100));
    assertThat(comments.stream().map(c -> c.get("has_bad_comment")).toList(), hasItem((Object) null));
    assertThat(requests.stream().anyMatch(r -> Instant.ofEpochMilli((Long) r.get("eventTime") / 1000)
        .toString().endsWith("T16:00:00Z")), is(true)); // a request at midnight UTC+8, with comment rows at that instant
  }

  @Test
  void unknownModesAndBadKnobsAreRefused() {
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> new JdGenerator.Options(0, 1, JdGenerator.Mode.REALISTIC, 0.5, 0));
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> new JdGenerator.Options(10, 1, JdGenerator.Mode.REALISTIC, 1.5, 0));
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> new JdGenerator.Options(10, 1, JdGenerator.Mode.REALISTIC, 0.5, -1));
  }

  // ------------------------------------------------------------------ helpers

  static List<Path> files(Path root) throws IOException {
    try (Stream<Path> s = Files.walk(root)) {
      return s.filter(Files::isRegularFile).map(root::relativize).sorted().toList();
    }
  }

  static MessageType schema(Path file) throws IOException {
    try (ParquetFileReader r = ParquetFileReader.open(
        HadoopInputFile.fromPath(new org.apache.hadoop.fs.Path(file.toUri()), new Configuration()))) {
      return r.getFooter().getFileMetaData().getSchema();
    }
  }

  /** Column name, repetition, physical type and logical type; a bare BYTE_ARRAY counts as a string (DuckDB writes those). */
  static List<String> describe(MessageType schema) {
    List<String> out = new ArrayList<>();
    for (Type f : schema.getFields()) {
      String logical = f.getLogicalTypeAnnotation() == null ? "" : f.getLogicalTypeAnnotation().toString();
      String physical = f.asPrimitiveType().getPrimitiveTypeName().toString();
      if (physical.equals("BINARY") && logical.isEmpty()) {
        logical = "STRING";
      }
      out.add(f.getName() + " " + f.getRepetition() + " " + physical + " " + logical);
    }
    return out;
  }
}
