package dev.tandem.pipelines;

import static dev.tandem.pipelines.TandemCli.BAD_INPUT;

import dev.tandem.spec.FeatureSpec;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "materialize", mixinStandardHelpOptions = true, description = "Computes the spec's online state from Parquet "
    + "tables (DIR/<table>/*.parquet) into a new generation in Redis, makes it current, then deletes older generations.")
final class MaterializeCommand implements Callable<Integer> {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec commandSpec;

  @CommandLine.Mixin
  SpecAndData input;

  @Option(names = "--redis", required = true, paramLabel = "URL", description = "redis://HOST:PORT of a Redis or Redis Cluster node")
  String redis;

  @Option(names = "--as-of", paramLabel = "TIME",
      description = "leave out rows after this time (yyyy-MM-dd[ HH:mm:ss] in the spec's timezone, or an ISO instant)")
  String asOf;

  @Option(names = "--grace-seconds", defaultValue = "5", paramLabel = "N",
      description = "wait after the switch before deleting older generations, so readers of the old one finish (default ${DEFAULT-VALUE})")
  int graceSeconds;

  @Option(names = "--runner", defaultValue = "direct", paramLabel = "RUNNER", description = "Beam runner: direct (default) or spark")
  String runner;

  @CommandLine.Unmatched
  List<String> beamOptions = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    PrintWriter err = commandSpec.commandLine().getErr();
    FeatureSpec s = input.load(commandSpec.commandLine());
    if (s == null) {
      return BAD_INPUT;
    }
    java.time.Instant cut = null;
    if (asOf != null) {
      try {
        cut = TandemCli.time(asOf, s);
      } catch (IllegalArgumentException e) {
        err.println("bad --as-of: " + e.getMessage());
        return BAD_INPUT;
      }
    }
    if (graceSeconds < 0) {
      err.println("--grace-seconds must be 0 or more, got " + graceSeconds);
      return BAD_INPUT;
    }
    return new MaterializeJob(s, input.data, redis, cut, graceSeconds, runner, beamOptions, commandSpec.commandLine().getOut(),
        err).run();
  }
}
