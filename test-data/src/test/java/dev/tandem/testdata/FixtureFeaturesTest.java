package dev.tandem.testdata;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;

import dev.tandem.beam.ParquetTableWriter;
import dev.tandem.beam.TandemFeatures;
import dev.tandem.beam.TandemFiles;
import dev.tandem.beam.TandemParquet;
import dev.tandem.spec.FeatureSpec;
import dev.tandem.spec.def.TableDef;
import dev.tandem.spec.def.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.values.PCollectionRowTuple;
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
    assertThat(TandemFiles.check(spec, data), empty());
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

  /**
   * The fast path ({@link TandemFeatures#fromParquet}: files straight into the core's values) gives
   * the same feature rows and the same rejected rows as {@link TandemParquet#read} then
   * {@link TandemFeatures}, cell by cell.
   */
  @ParameterizedTest
  @EnumSource(JdGenerator.Mode.class)
  void readingStraightIntoValuesGivesWhatRowsGive(JdGenerator.Mode mode) throws Exception {
    Path data = out.resolve("data");
    try (Stream<Path> files = Files.walk(Fixtures.jd(mode))) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        Path copy = data.resolve(Fixtures.jd(mode).relativize(f));
        Files.createDirectories(copy.getParent());
        Files.copy(f, copy);
      }
    }
    // One more action file whose actionValue is text: a usable row, an unparsable one, one without a time.
    TableDef.ColumnDef[] columns = {new TableDef.ColumnDef("reqId", Type.STRING), new TableDef.ColumnDef("eventTime", Type.TIMESTAMP),
        new TableDef.ColumnDef("ingestionTime", Type.TIMESTAMP), new TableDef.ColumnDef("actionValue", Type.STRING)};
    java.time.Instant t = java.time.Instant.parse("2018-03-01T00:00:00Z");
    try (ParquetTableWriter w = ParquetTableWriter.open(new TableDef("action", TableDef.Role.EVENT, null, "ingestionTime",
        List.of(columns)), data.resolve("action/part-99999.parquet"))) {
      w.write(new Object[] {"extra-1", t, t, " 7 "});
      w.write(new Object[] {"extra-2", t, t, "seven"});
      w.write(new Object[] {"extra-3", t, null, "1"});
    }
    FeatureSpec spec = FeatureSpec.load(JdSampleRun.SPEC);
    Pipeline p = Pipeline.create(PipelineOptionsFactory.fromArgs("--runner=DirectRunner").create());
    PCollectionRowTuple viaRows = p.apply("Read rows", TandemParquet.read(spec, data.toString()))
        .apply("Features of rows", TandemFeatures.of(spec).withShards(3).withRejectedRows());
    PCollectionRowTuple direct = p.apply("Features from Parquet", TandemFeatures.of(spec).withShards(5).fromParquet(data.toString()));
    viaRows.get(TandemFeatures.FEATURES).apply("Write rows' features", TandemParquet.write(spec, out.resolve("rows").toString()));
    viaRows.get(TandemFeatures.REJECTED).apply("Write rows' rejected", TandemParquet.writeRejected(out.resolve("rows-rejected").toString()));
    direct.get(TandemFeatures.FEATURES).apply("Write direct features", TandemParquet.write(spec, out.resolve("direct").toString()));
    direct.get(TandemFeatures.REJECTED).apply("Write direct rejected", TandemParquet.writeRejected(out.resolve("direct-rejected").toString()));
    p.run().waitUntilFinish();
    List<String> features = sorted(ParquetRows.readFolder(out.resolve("direct")));
    assertThat(features.size(), is(Fixtures.REQUESTS));
    assertThat(features, equalTo(sorted(ParquetRows.readFolder(out.resolve("rows")))));
    List<String> rejected = sorted(ParquetRows.readFolder(out.resolve("direct-rejected")));
    assertThat(rejected.size(), is(2));
    assertThat(rejected, equalTo(sorted(ParquetRows.readFolder(out.resolve("rows-rejected")))));
  }

  private static List<String> sorted(List<GenericRecord> records) {
    return records.stream().map(GenericRecord::toString).sorted().toList();
  }
}
