package dev.tandem.testdata;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;

import dev.tandem.beam.TandemFeatures;
import dev.tandem.beam.TandemParquet;
import dev.tandem.spec.FeatureSpec;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;


/** The JD spec over the committed generated fixtures, realistic and adversarial: one output row per request. */
class FixtureFeaturesTest {
  @TempDir
  Path out;

  @ParameterizedTest
  @EnumSource(JdGenerator.Mode.class)
  void theJdSpecRunsOverEachFixture(JdGenerator.Mode mode) throws Exception {
    Path data = Fixtures.jd(mode);
    FeatureSpec spec = FeatureSpec.load(JdSampleRun.SPEC);
    assertThat(TandemParquet.check(spec, data), empty());
    Pipeline p = Pipeline.create(PipelineOptionsFactory.fromArgs("--runner=DirectRunner").create());
    p.apply(TandemParquet.read(spec, data.toString()))
        .apply(TandemFeatures.of(spec))
        .apply(TandemParquet.write(spec, out.toString()));
    p.run().waitUntilFinish();
    List<GenericRecord> rows = ParquetRows.readFolder(out);
    assertThat(rows.size(), is(Fixtures.REQUESTS));
    Set<String> ids = new HashSet<>();
    rows.forEach(r -> ids.add(r.get("reqId_1").toString()));
    assertThat(ids.size(), is(Fixtures.REQUESTS));
    assertThat(rows.get(0).getSchema().getFields().size(), is(42));
  }
}
