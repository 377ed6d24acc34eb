package dev.tandem.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Spark driver is tied to 127.0.0.1 only when Spark is embedded; on a cluster executors must reach it. */
class RunnersTest {
  private static final List<String> PROPERTIES = List.of("spark.master", "spark.driver.host", "spark.driver.bindAddress",
      "spark.ui.enabled", "spark.default.parallelism");
  private final Map<String, String> saved = new HashMap<>();

  @BeforeEach
  void clearSparkProperties() {
    for (String p : PROPERTIES) {
      saved.put(p, System.getProperty(p));
      System.clearProperty(p);
    }
  }

  @AfterEach
  void restoreSparkProperties() {
    saved.forEach((p, v) -> {
      if (v == null) {
        System.clearProperty(p);
      } else {
        System.setProperty(p, v);
      }
    });
  }

  private static void spark(String... beamOptions) {
    StringWriter err = new StringWriter();
    assertThat(err.toString(), Runners.options("spark", List.of(beamOptions), new PrintWriter(err, true)), notNullValue());
  }

  @Test
  void aClusterMasterLeavesTheDriverAddressToSpark() {
    spark("--sparkMaster=spark://10.1.2.3:7077");
    assertThat(System.getProperty("spark.driver.host"), nullValue());
    assertThat(System.getProperty("spark.driver.bindAddress"), nullValue());
    assertThat(System.getProperty("spark.ui.enabled"), nullValue());
  }

  @Test
  void spark_submitsMasterCountsWithoutSparkMaster() {
    System.setProperty("spark.master", "spark://10.1.2.3:7077"); // what spark-submit --master sets
    spark();
    assertThat(System.getProperty("spark.driver.host"), nullValue());
  }

  @Test
  void anEmbeddedSparkIsBoundToLoopbackUnlessTold() {
    spark("--sparkMaster=local[2]");
    assertThat(System.getProperty("spark.driver.host"), is("127.0.0.1"));
    assertThat(System.getProperty("spark.driver.bindAddress"), is("127.0.0.1"));
    System.setProperty("spark.driver.host", "127.0.0.9");
    spark();
    assertThat(System.getProperty("spark.driver.host"), is("127.0.0.9"));
  }

  @Test
  void anEmbeddedSparkGetsTwoPartitionsPerCore() {
    spark("--sparkMaster=local[3]");
    assertThat(System.getProperty("spark.default.parallelism"), is("6"));
    assertThat(Runners.localCores("local[4,2]"), is(4));
    assertThat(Runners.localCores("local"), is(1));
    assertThat(Runners.localCores("local[*]"), is(Runtime.getRuntime().availableProcessors()));
  }

  @Test
  void aClusterGetsOnePartitionPerShard() {
    spark("--sparkMaster=spark://10.1.2.3:7077");
    assertThat(System.getProperty("spark.default.parallelism"), is("64"));
    System.setProperty("spark.default.parallelism", "500");
    spark("--sparkMaster=spark://10.1.2.3:7077");
    assertThat(System.getProperty("spark.default.parallelism"), is("500"));
  }

  @Test
  void theDirectRunnerShufflesOnFewerShards() {
    assertThat(Runners.shards("direct"), is(Runners.DIRECT_SHARDS));
    assertThat(Runners.shards("DIRECT"), is(Runners.DIRECT_SHARDS));
    for (String runner : List.of("spark", "flink", "dataflow")) {
      assertThat(runner, Runners.shards(runner), is(dev.tandem.beam.TandemFeatures.DEFAULT_SHARDS));
    }
  }

  @Test
  void embeddedMastersAreRecognized() {
    for (String m : List.of("local", "local[*]", "local[4]", "local[4,2]", "local-cluster[2,1,1024]")) {
      assertThat(m, Runners.isLocal(m), is(true));
    }
    for (String m : List.of("spark://h:7077", "yarn", "k8s://https://h:443", "mesos://h:5050")) {
      assertThat(m, Runners.isLocal(m), is(false));
    }
  }
}
