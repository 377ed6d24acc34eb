package dev.tandem.testdata;

import dev.tandem.beam.TandemFeatures;
import dev.tandem.beam.TandemParquet;
import dev.tandem.spec.FeatureSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/** The JD spec run once per test JVM on the real sample (Direct runner, Parquet in and out). */
final class JdSampleRun {
  static final Path SPEC = Path.of("../feature-spec/specs/jd.yaml");

  private static FeatureSpec spec;
  private static List<GenericRecord> rows;

  private JdSampleRun() {}

  static synchronized FeatureSpec spec() throws Exception {
    if (spec == null) {
      spec = FeatureSpec.load(SPEC);
    }
    return spec;
  }

  /** The output rows, read back from the Parquet files the pipeline wrote. */
  static synchronized List<GenericRecord> rows() throws Exception {
    if (rows == null) {
      Path sample = JdSample.forTest();
      Path out = Files.createTempDirectory("jd-features");
      Pipeline p = Pipeline.create(PipelineOptionsFactory.fromArgs(
          "--runner=DirectRunner", "--enforceImmutability=false", "--enforceEncodability=true").create());
      p.apply(TandemParquet.read(spec(), sample.toString()))
          .apply(TandemFeatures.of(spec()))
          .apply(TandemParquet.write(spec(), out.toString()));
      p.run().waitUntilFinish();
      rows = ParquetRows.readFolder(out);
    }
    return rows;
  }

  static Map<String, GenericRecord> byRequest() throws Exception {
    return rows().stream().collect(Collectors.toMap(r -> r.get("reqId_1").toString(), r -> r));
  }
}
