package dev.tandem.pipelines;

import static dev.tandem.pipelines.TandemCliTest.JD_SPEC;
import static dev.tandem.pipelines.TandemCliTest.cli;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

import dev.tandem.beam.ParquetTableWriter;
import dev.tandem.beam.TandemFiles;
import dev.tandem.online.RedisState;
import dev.tandem.redis.LocalRedis;
import dev.tandem.redis.LocalRedisCluster;
import dev.tandem.spec.FeatureSpec;
import dev.tandem.spec.def.TableDef;
import dev.tandem.testdata.Fixtures;
import dev.tandem.testdata.JdGenerator;
import dev.tandem.testdata.JdSample;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;


/** Online = offline: the replay through real Redis gives the offline feature table, cell by cell. */
class ConsistencyCheckTest {
  @TempDir
  Path dir;

  private Path offline(Path data) {
    Path out = dir.resolve("offline");
    TandemCliTest.Result r = cli("features", "--spec", JD_SPEC.toString(), "--data", data.toString(), "--out", out.toString());
    assertThat(r.err(), r.code(), is(0));
    return out;
  }

  @Test
  void theAdversarialFixtureIsTheSameOnlineAsOfflineAndTheOnlineRowsAreWritten() throws Exception {
    Path data = Fixtures.jd(JdGenerator.Mode.ADVERSARIAL);
    Path offline = offline(data);
    Path onlineOut = dir.resolve("online");
    try (LocalRedis redis = LocalRedis.start(Files.createDirectories(dir.resolve("redis")))) {
      TandemCliTest.Result r = cli("check-consistency", "--spec", JD_SPEC.toString(), "--data", data.toString(),
          "--offline", offline.toString(), "--redis", redis.uri(), "--online-out", onlineOut.toString());
      assertThat(r.out() + r.err(), r.code(), is(0));
      assertThat(r.out(), containsString(Fixtures.REQUESTS + " requests x 42 columns: " + Fixtures.REQUESTS + " rows match, 0 differ"));
      assertThat(r.out(), containsString("0 differing cells of " + Fixtures.REQUESTS * 42));
      try (RedisState state = RedisState.connect(redis.uri())) {
        assertThat("the replay's own generation is deleted", state.scanKeys("tandem:".getBytes()).size(), is(1)); // the counter
      }
    }
    assertThat("the online rows have the feature table's Parquet schema", schema(onlineOut), is(schema(offline)));
    FeatureSpec spec = FeatureSpec.load(JD_SPEC);
    List<Object[]> online = TandemFiles.readFeatures(spec, onlineOut.toString());
    List<Object[]> offlineRows = TandemFiles.readFeatures(spec, offline.toString());
    assertThat(online.size(), is(offlineRows.size()));
    java.util.Comparator<Object[]> byKey = java.util.Comparator.comparing(r -> (String) r[0]);
    online.sort(byKey);
    offlineRows.sort(byKey);
    for (int i = 0; i < online.size(); i++) {
      assertThat(Arrays.deepEquals(online.get(i), offlineRows.get(i)), is(true));
    }
  }

  @Test
  void throughKafkaAndTheStreamJobWithResentMessagesAndARestartTheAdversarialFixtureIsTheSame() throws Exception {
    Path data = Fixtures.jd(JdGenerator.Mode.ADVERSARIAL);
    Path offline = offline(data);
    // Its own Redis and Kafka (started and stopped by the command); 10 % of the messages sent twice; the job restarted half-way.
    TandemCliTest.Result r = cli("check-consistency", "--spec", JD_SPEC.toString(), "--data", data.toString(),
        "--offline", offline.toString(), "--via", "kafka", "--resend", "0.1", "--restart-stream", "--enforceImmutability=true");
    assertThat(r.out() + r.err(), r.code(), is(0));
    assertThat(r.out(), containsString("started a local Kafka"));
    assertThat(r.out(), containsString("stream job stopped; starting it again"));
    assertThat(r.out(), org.hamcrest.Matchers.matchesPattern("(?s).*via Kafka: [0-9,]+ messages \\([1-9][0-9,]* sent twice\\).*"));
    assertThat(r.out(), containsString("0 differing cells of " + Fixtures.REQUESTS * 42));
  }

  @Test
  void aMaterializationInTheMiddleOfTheLiveReplayCarriesTheLoggedEventsOverAndOnlineStillEqualsOffline() throws Exception {
    Path data = Fixtures.jd(JdGenerator.Mode.ADVERSARIAL);
    Path offline = offline(data);
    java.time.Instant[] span = TandemFiles.requestTimeRange(FeatureSpec.load(JD_SPEC), data);
    long length = span[1].toEpochMilli() - span[0].toEpochMilli();
    java.time.Instant at = span[0].plusMillis(length / 2);
    java.time.Instant asOf = span[0].plusMillis(length / 4);
    TandemCliTest.Result r = cli("check-consistency", "--spec", JD_SPEC.toString(), "--data", data.toString(),
        "--offline", offline.toString(), "--rematerialize-at", at.toString(), "--rematerialize-as-of", asOf.toString());
    assertThat(r.out() + r.err(), r.code(), is(0));
    assertThat(r.out(), containsString("materializing as of " + asOf));
    assertThat(r.out(), org.hamcrest.Matchers.matchesPattern("(?s).*carried over [1-9][0-9,]* logged events after the cut.*"));
    assertThat(r.out(), containsString("0 differing cells of " + Fixtures.REQUESTS * 42));
  }

  @Test
  void aDifferenceIsReportedPerFeatureWithExamplesAndExitsOne() throws Exception {
    Path data = Fixtures.jd(JdGenerator.Mode.REALISTIC);
    FeatureSpec spec = FeatureSpec.load(JD_SPEC);
    List<Object[]> rows = TandemFiles.readFeatures(spec, offline(data).toString());
    int feature = 6;
    rows.get(0)[feature] = 999L;
    Path tampered = Files.createDirectories(dir.resolve("tampered"));
    List<TableDef.ColumnDef> columns = spec.features().stream().map(f -> new TableDef.ColumnDef(f.name(), f.type())).toList();
    try (ParquetTableWriter w = ParquetTableWriter.open(new TableDef("features", TableDef.Role.REQUEST, null, null, columns),
        tampered.resolve("part-00000-of-00001.parquet"))) {
      for (Object[] row : rows) {
        w.write(row);
      }
    }
    try (LocalRedis redis = LocalRedis.start(Files.createDirectories(dir.resolve("redis")))) {
      TandemCliTest.Result r = cli("check-consistency", "--spec", JD_SPEC.toString(), "--data", data.toString(),
          "--offline", tampered.toString(), "--redis", redis.uri());
      assertThat(r.out() + r.err(), r.code(), is(1));
      assertThat(r.out(), containsString((Fixtures.REQUESTS - 1) + " rows match, 1 differ"));
      assertThat(r.out(), containsString(spec.features().get(feature).name() + ": 1 differing cells"));
      assertThat(r.out(), containsString("request " + rows.get(0)[0] + ": offline 999, online "));
    }
  }

  @Test
  void theJdSampleReplayedAgainstALocalRedisClusterIsTheSameOnlineAsOffline() throws Exception {
    Path data = JdSample.forTest();
    Path offline = offline(data);
    try (LocalRedisCluster cluster = LocalRedisCluster.start(Files.createDirectories(dir.resolve("cluster")), 3)) {
      TandemCliTest.Result r = cli("check-consistency", "--spec", JD_SPEC.toString(), "--data", data.toString(),
          "--offline", offline.toString(), "--redis", cluster.uri());
      assertThat(r.out() + r.err(), r.code(), is(0));
      assertThat(r.out(), containsString("13916 requests x 42 columns: 13916 rows match, 0 differ, 0 missing online, 0 missing offline;"
          + " 0 differing cells of 584472"));
    }
  }

  @Test
  void withoutRedisItStartsALocalOneAndStopsIt() throws Exception {
    Path data = Fixtures.jd(JdGenerator.Mode.REALISTIC);
    Path offline = offline(data);
    TandemCliTest.Result r = cli("check-consistency", "--spec", JD_SPEC.toString(), "--data", data.toString(),
        "--offline", offline.toString());
    assertThat(r.out() + r.err(), r.code(), is(0));
    String uri = r.out().lines().filter(l -> l.contains("started a local Redis at")).findFirst().orElseThrow().replaceAll(".* at ", "");
    assertThat("the local Redis is stopped", reachable(uri), is(false));
  }

  private static org.apache.parquet.schema.MessageType schema(Path dir) throws java.io.IOException {
    Path file;
    try (java.util.stream.Stream<Path> files = Files.list(dir)) {
      file = files.filter(f -> f.getFileName().toString().startsWith("part-")).findFirst().orElseThrow();
    }
    try (org.apache.parquet.hadoop.ParquetFileReader reader = org.apache.parquet.hadoop.ParquetFileReader.open(
        org.apache.parquet.hadoop.util.HadoopInputFile.fromPath(new org.apache.hadoop.fs.Path(file.toUri()),
            new org.apache.hadoop.conf.Configuration()))) {
      return reader.getFooter().getFileMetaData().getSchema();
    }
  }

  private static boolean reachable(String uri) {
    try (RedisState state = RedisState.connect(uri)) {
      state.ping();
      return true;
    } catch (RuntimeException e) {
      return false;
    }
  }
}
