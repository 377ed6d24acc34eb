package dev.tandem.pipelines;

import static dev.tandem.pipelines.TandemCli.BAD_INPUT;
import static dev.tandem.pipelines.TandemCli.OK;
import static dev.tandem.pipelines.TandemCli.loadSpec;

import dev.tandem.spec.FeatureSpec;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "state-digest", mixinStandardHelpOptions = true, description = "Prints a SHA-256 of the current generation's "
    + "state (keys without the generation, and values), its key count and value bytes: equal for equal state.")
final class StateDigestCommand implements Callable<Integer> {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec commandSpec;

  @Option(names = "--spec", required = true, paramLabel = "SPEC", description = "the spec file (its name and version name the state)")
  Path spec;

  @Option(names = "--redis", required = true, paramLabel = "URL", description = "redis://HOST:PORT of a Redis or Redis Cluster node")
  String redis;

  @Override
  public Integer call() {
    PrintWriter err = commandSpec.commandLine().getErr();
    FeatureSpec s = loadSpec(spec, err);
    if (s == null) {
      return BAD_INPUT;
    }
    try (dev.tandem.online.RedisState state = MaterializeJob.connect(redis, err)) {
      if (state == null) {
        return BAD_INPUT;
      }
      commandSpec.commandLine().getOut().println(StateDigest.of(state, MaterializeJob.keys(s)).line());
      return OK;
    } catch (IllegalStateException e) {
      err.println("state-digest: " + e.getMessage());
      return BAD_INPUT;
    }
  }
}
