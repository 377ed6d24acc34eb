package dev.tandem.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

import dev.tandem.testdata.Fixtures;
import dev.tandem.testdata.JdGenerator;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The features pipeline translates for Dataflow: with a template location and no-op credentials
 * the Dataflow runner does its real translation and writes the job file without submitting.
 */
class DataflowTranslationTest {
  @TempDir
  Path dir;

  @Test
  void theFeaturesPipelineTranslatesToADataflowJob() throws Exception {
    Path job = dir.resolve("job.json");
    Path staging = Files.createDirectories(dir.resolve("staging"));
    Path out = dir.resolve("out");
    TandemCliTest.Result r = TandemCliTest.cli("features", "--spec", TandemCliTest.JD_SPEC.toString(),
        "--data", Fixtures.jd(JdGenerator.Mode.REALISTIC).toString(), "--out", out.toString(), "--runner", "dataflow",
        "--project=tandem-test", "--region=us-central1", "--gcpTempLocation=gs://tandem-test/tmp",
        "--templateLocation=" + job.toAbsolutePath(), "--stagingLocation=" + staging.toAbsolutePath(),
        "--filesToStage=" + TandemCliTest.JD_SPEC.toAbsolutePath(),
        "--pathValidatorClass=org.apache.beam.sdk.extensions.gcp.storage.NoopPathValidator",
        "--credentialFactoryClass=org.apache.beam.sdk.extensions.gcp.auth.NoopCredentialFactory");
    assertThat(r.err(), r.code(), is(0));
    assertThat(r.out(), containsString("Dataflow job template written to " + job.toAbsolutePath()));
    String json = Files.readString(job);
    assertThat(json, containsString("Window flattenRequest_clean+bo_action by pair_id"));
    assertThat(json, containsString("Last join product"));
    assertThat(json, containsString("Assemble"));
    assertThat(Files.exists(out.resolve(OfflineJob.SUCCESS)), is(false));
  }
}
