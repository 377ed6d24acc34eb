package dev.tandem.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;

import dev.tandem.testdata.Fixtures;
import dev.tandem.testdata.JdGenerator;
import dev.tandem.testdata.JdSample;
import dev.tandem.testdata.ParquetRows;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Direct runner and Spark (local[2]) write the same feature table, cell by cell. */
class RunnerEquivalenceTest {
  @TempDir
  Path dir;

  @Test
  void directAndSparkAgreeOnTheRealJdSample() throws Exception {
    assertSameOutput(JdSample.forTest(), JdSample.REQUESTS);
  }

  @Test
  void directAndSparkAgreeOnAdversarialData() throws Exception {
    assertSameOutput(Fixtures.jd(JdGenerator.Mode.ADVERSARIAL), Fixtures.REQUESTS);
  }

  private void assertSameOutput(Path data, int requests) throws Exception {
    Map<String, GenericRecord> direct = run(data, "direct");
    Map<String, GenericRecord> spark = run(data, "spark", "--sparkMaster=local[2]");
    assertThat(direct.size(), is(requests));
    assertThat(spark.keySet(), is(direct.keySet()));
    List<String> differences = new ArrayList<>();
    for (Map.Entry<String, GenericRecord> e : direct.entrySet()) {
      GenericRecord d = e.getValue();
      GenericRecord s = spark.get(e.getKey());
      for (Schema.Field f : d.getSchema().getFields()) {
        String a = Objects.toString(d.get(f.name()), null);
        String b = Objects.toString(s.get(f.name()), null);
        if (!Objects.equals(a, b) && differences.size() < 20) {
          differences.add(e.getKey() + " " + f.name() + ": direct " + a + ", spark " + b);
        }
      }
    }
    assertThat(differences, empty());
  }

  private Map<String, GenericRecord> run(Path data, String runner, String... options) throws Exception {
    Path out = dir.resolve(runner);
    List<String> args = new ArrayList<>(List.of("features", "--spec", TandemCliTest.JD_SPEC.toString(),
        "--data", data.toString(), "--out", out.toString(), "--runner", runner));
    args.addAll(List.of(options));
    TandemCliTest.Result r = TandemCliTest.cli(args.toArray(String[]::new));
    assertThat(r.err(), r.code(), is(0));
    Map<String, GenericRecord> byId = new HashMap<>();
    for (GenericRecord row : ParquetRows.readFolder(out)) {
      byId.put(row.get("reqId_1").toString(), row);
    }
    return byId;
  }
}
