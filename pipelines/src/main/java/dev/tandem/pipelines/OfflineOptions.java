package dev.tandem.pipelines;

import static dev.tandem.pipelines.TandemCli.BAD_INPUT;

import dev.tandem.beam.TandemFeatures;
import dev.tandem.spec.FeatureSpec;
import java.io.IOException;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** The options the offline commands share: spec, data, output, runner and Beam options. */
final class OfflineOptions {
  @CommandLine.Mixin
  SpecAndData input;

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "output folder (a local path or a URL such as gs://...)")
  String out;

  @Option(names = "--runner", defaultValue = "direct", paramLabel = "RUNNER", description = "Beam runner: direct (default), spark or dataflow")
  String runner;

  @Option(names = "--overwrite", description = "replace what Tandem wrote in --out before")
  boolean overwrite;

  @Option(names = "--shards", paramLabel = "N",
      description = "shards of each shuffle (default: " + Runners.DIRECT_SHARDS + " on the direct runner, "
          + TandemFeatures.DEFAULT_SHARDS + " on the others)")
  Integer shards;

  int run(OfflineJob.Kind kind, CommandLine cli, List<String> beamOptions) throws IOException {
    FeatureSpec s = input.load(cli);
    return s == null ? BAD_INPUT : job(s, kind, cli, beamOptions).run();
  }

  /** Unknown options go to Beam (picocli gives them to the command, not to a mixin). */
  OfflineJob job(FeatureSpec s, OfflineJob.Kind kind, CommandLine cli, List<String> beamOptions) {
    int n = shards != null ? shards : Runners.shards(runner);
    if (n < 1) {
      throw new CommandLine.ParameterException(cli, "--shards must be at least 1, got " + n);
    }
    return new OfflineJob(s, kind, input.data, out, runner, overwrite, n, beamOptions, cli.getOut(), cli.getErr());
  }
}
